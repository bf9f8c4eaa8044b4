"""The command line: a thin Typer shell over the public API.

Each subcommand calls one library function. Only :class:`gutbrain.errors.GutbrainError` is caught,
and it becomes a short message on stderr with exit code 2. The library itself never prints or exits.
"""

from __future__ import annotations

import sys
from typing import Annotated, Literal

import typer

from gutbrain.errors import GutbrainError, ParameterError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,  # plain help: rich help shows every flag as "<bool>"
    help="gutbrain: simulate, trial and analyse the microbiota-gut-brain axis. "
    "Research and teaching only; not medical advice.",
)


def main() -> None:
    """Entry point: run the app and map project errors to a clean, non-zero exit."""
    try:
        code = app(standalone_mode=False)
    except GutbrainError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        sys.exit(2)
    except Exception as exc:
        # usage errors from Typer's click: print their own short message
        show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):
            show()
            sys.exit(exit_code)
        raise
    if isinstance(code, int) and code != 0:  # typer.Exit(code) is returned, not raised
        sys.exit(code)


@app.command()
def version() -> None:
    """Print the installed gutbrain version."""
    from gutbrain._version import __version__

    typer.echo(__version__)


SEED_MAX = 2**63 - 1  # a TOML integer: seeds are written into study.toml and manifests


def _seed(value: int | None) -> int | None:
    """The one seed check of every command: a whole number from 0 to :data:`SEED_MAX`."""
    if value is not None and not 0 <= value <= SEED_MAX:
        raise ParameterError(f"--seed {value}: must be a whole number from 0 to {SEED_MAX}")
    return value


# The --overwrite flag of every command that writes a folder; one rule for all of them,
# gutbrain._outdir.check_out.
Overwrite = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        help="Replace an earlier output of this command in --out (never other files).",
    ),
]


# --- model ---------------------------------------------------------------------------------
# The --ensemble options of simulate, trial and validate (gutbrain.model.ensemble).
EnsembleSize = Annotated[
    int | None,
    typer.Option(
        "--ensemble",
        help="Run under N parameter sets: the packaged calibrated posterior, or the prior "
        "while none is packaged (the output says which); report medians with 50 % and 90 % "
        "bands.",
    ),
]
EnsembleSource = Annotated[
    str | None,
    typer.Option(
        "--ensemble-source",
        help="Where --ensemble's members come from: posterior, prior (draws across the "
        "declared ranges from --seed) or an ensemble.csv FILE.",
    ),
]


def _ensemble(n: int | None, source: str | None, seed: int):
    """The ensemble asked for (None without --ensemble); says on stderr where it comes from."""
    if n is None:
        if source is not None:
            raise ParameterError("--ensemble-source needs --ensemble N")
        return None
    from gutbrain.model.ensemble import resolve_ensemble

    ens = resolve_ensemble(n, source, seed)
    typer.echo(ens.label, err=True)
    return ens


def _progress_bar(label: str):
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeRemainingColumn

    prog = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        transient=True,
    )
    task = prog.add_task(label, total=None)

    def update(done: int, total: int) -> None:
        prog.update(task, completed=done, total=total)

    return prog, update


def _compile_notice() -> None:
    """Say so when the model kernel will be compiled (first run on this machine)."""
    from gutbrain.model._jit_cache import CACHE_DIR

    if not any(CACHE_DIR.rglob("*integrate_batch*.nbi")):
        typer.echo(
            "compiling the model kernel (first run on this machine, about 3-5 minutes; "
            "cached afterwards)...",
            err=True,
        )


@app.command()
def simulate(
    scenario: str = typer.Argument(..., help="scenario TOML file (see examples/scenarios/)"),
    people: int = typer.Option(100, "--people", "-n", help="number of virtual people"),
    seed: int = typer.Option(0, "--seed", callback=_seed, help="random seed"),
    out: str = typer.Option("simulation", "--out", "-o", help="output folder"),
    no_noise: bool = typer.Option(False, "--no-noise", help="deterministic: no daily noise"),
    states: str = typer.Option(
        None, "--states", help="comma-separated states and outputs to write (default: all)"
    ),
    summary: bool = typer.Option(
        False, "--summary", help="write per-arm daily means, SDs and quantiles, not trajectories"
    ),
    csv: bool = typer.Option(False, "--csv", help="also write each table as CSV"),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address; default a local run."
    ),
    overwrite: Overwrite = False,
    ensemble: EnsembleSize = None,
    ensemble_source: EnsembleSource = None,
) -> None:
    """Simulate a scenario: trajectories (Parquet), an axis plot and a manifest (identical
    locally and on Dask). With --ensemble: per-member summaries and parameter and sampling
    bands instead of trajectories."""
    from gutbrain.report.simulate_output import simulate_scenario

    ens = _ensemble(ensemble, ensemble_source, seed)
    if ens is not None:
        from gutbrain.report.simulate_ensemble import simulate_ensemble

        if states is not None or summary or csv:
            raise ParameterError(
                "--ensemble writes its own summaries: drop --states/--summary/--csv"
            )
        _compile_notice()
        prog, update = _progress_bar(f"simulating {len(ens)} members")
        with prog:
            manifest = simulate_ensemble(
                scenario, out, ens, people=people, seed=seed, noise=not no_noise,
                scheduler=scheduler, overwrite=overwrite, progress=update,
            )  # fmt: skip
        typer.echo(
            f"{manifest['name']}: {len(ens)} members x {people} people x {manifest['days']} "
            f"days -> {out}/ ({', '.join(map(str, manifest['files']))}). "
            "Research simulation, not medical advice."
        )
        return
    chosen = None if states is None else [s.strip() for s in states.split(",") if s.strip()]
    _compile_notice()
    prog, update = _progress_bar("simulating")
    with prog:
        manifest = simulate_scenario(
            scenario,
            out,
            people=people,
            seed=seed,
            noise=not no_noise,
            states=chosen,
            summary=summary,
            csv=csv,
            scheduler=scheduler,
            overwrite=overwrite,
            progress=update,
        )
    arms, files = manifest["arms"], manifest["files"]
    assert isinstance(arms, list) and isinstance(files, list)
    typer.echo(
        f"{manifest['name']}: {people} people x {manifest['days']} days, arms "
        f"{', '.join(str(a) for a in arms)} -> {out}/ ({', '.join(files)}). "
        "Research simulation, not medical advice."
    )


@app.command()
def validate(
    json_out: bool = typer.Option(False, "--json", help="print a JSON list instead of a table"),
    check: list[str] = typer.Option(None, "--check", help="run only these check ids"),
    ensemble: EnsembleSize = None,
    ensemble_source: EnsembleSource = None,
    seed: int = typer.Option(0, "--seed", callback=_seed, help="seed of prior ensemble draws"),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address for --ensemble; default a local run."
    ),
) -> None:
    """Run the model's credibility checks (B1-B12 and the evidence targets); with --ensemble,
    as the share of members that pass each."""
    import json

    from gutbrain.model.validation import CHECKS, run_checks

    ids = list(check) if check else None
    for k in ids or []:
        if k not in CHECKS:
            raise GutbrainError(f"unknown check {k!r}; known: {', '.join(CHECKS)}")
    ens = _ensemble(ensemble, ensemble_source, seed)
    if ens is not None:
        _validate_ensemble(ens, ids, json_out, scheduler)
        return
    results = run_checks(ids)
    if json_out:
        typer.echo(json.dumps([r.to_dict() for r in results], indent=2))
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title="gutbrain credibility table")
        for col in ("check", "expected", "simulated", "pass"):
            table.add_column(col, overflow="fold")
        for r in results:
            table.add_row(
                f"{r.id}: {r.description}",
                r.expected,
                r.simulated,
                "[green]yes[/green]" if r.passed else "[red]NO[/red]",
            )
        Console(width=160).print(table)
        n_ok = sum(r.passed for r in results)
        typer.echo(f"{n_ok} of {len(results)} checks pass")
    if not all(r.passed for r in results):
        raise typer.Exit(1)


def _validate_ensemble(ens, ids: list[str] | None, json_out: bool, scheduler: str | None) -> None:
    """validate --ensemble: each check's share of passing members; exit 1 when a check holds
    in fewer than PASS_SHARE of them."""
    import json

    from gutbrain.model.ensemble_validation import PASS_SHARE, validate_ensemble

    _compile_notice()
    prog, update = _progress_bar(f"checking {len(ens)} members")
    with prog:
        result = validate_ensemble(ens, ids, scheduler=scheduler, progress=update)
    if json_out:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"gutbrain credibility table over the {result.label}")
        for col in ("check", "expected", "members passing", "failing members", "holds"):
            table.add_column(col, overflow="fold")
        for c in result.checks:
            shown = ", ".join(c.failed_members[:5]) + (" ..." if len(c.failed_members) > 5 else "")
            table.add_row(
                f"{c.id}: {c.description}",
                c.expected,
                f"{c.passed} of {c.members} ({c.share:.0%})",
                shown,
                "[green]yes[/green]" if c.holds else "[red]NO[/red]",
            )
        Console(width=160).print(table)
        n_ok = sum(c.holds for c in result.checks)
        typer.echo(
            f"{n_ok} of {len(result.checks)} checks hold in at least {PASS_SHARE:.0%} of members"
        )
    if not all(c.holds for c in result.checks):
        raise typer.Exit(1)


@app.command()
def calibrate(
    out: str = typer.Option(..., "--out", "-o", help="Folder: checkpoint/, ensemble.csv/.toml."),
    budget_minutes: float | None = typer.Option(
        None, "--budget-minutes", help="Stop after this wall time (the posterior stays tempered)."
    ),
    population: int = typer.Option(200, "--population", help="Particles per generation."),
    generations: int = typer.Option(8, "--generations", help="Generations (the last at T = 1)."),
    members: int = typer.Option(
        200, "--members", help="Ensemble members drawn from the posterior."
    ),
    seed: int = typer.Option(0, "--seed", callback=_seed, help="Random seed."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address; default local worker processes."
    ),
    workers: int | None = typer.Option(
        None, "--workers", help="Local worker processes (default: the CPU count)."
    ),
    resume: bool = typer.Option(
        False, "--resume", help="Continue the run in --out from its last completed generation."
    ),
    overwrite: Overwrite = False,
    method: str = typer.Option(
        "abc", "--method", help="abc (ABC-SMC, pyabc) or emulator (design, emulators, emcee)."
    ),
    design_points: int = typer.Option(
        200, "--design-points", help="emulator: Latin-hypercube points simulated."
    ),
    steps: int = typer.Option(4000, "--steps", help="emulator: MCMC steps per walker."),
) -> None:
    """Calibrate (ABC-SMC, or MCMC on emulators) and write the posterior ensemble, with
    checkpoints."""
    import logging

    if method == "emulator":
        _calibrate_emulator(
            out, design_points, budget_minutes, steps, members, seed, scheduler, resume, overwrite
        )
        return
    if method != "abc":
        raise GutbrainError(f"--method {method!r}: expected 'abc' or 'emulator'")

    from gutbrain.calibrate.abc import Budget
    from gutbrain.calibrate.abc_run import run_calibration

    logging.getLogger("ABC").setLevel(logging.WARNING)  # pyabc logs every generation
    _compile_notice()
    prog, update = _progress_bar("calibrating")

    def progress(t: int, total: int, accepted: int, n: int) -> None:
        prog.update(prog.task_ids[0], description=f"generation {t + 1} of {total}")
        update(accepted, n)

    with prog:
        post, _ = run_calibration(
            out,
            Budget(population, generations, budget_minutes),
            seed=seed,
            members=members,
            scheduler=scheduler,
            resume=resume,
            overwrite=overwrite,
            workers=workers,
            progress=progress,
        )
    exact = (
        "exact posterior" if post.temperature == 1.0 else f"tempered, T = {post.temperature:.3g}"
    )
    typer.echo(
        f"{post.generations} generations ({exact}), {post.simulations} simulations; "
        f"{members} members -> {out}/ensemble.csv, ensemble.toml"
    )
    typer.echo(post.members.describe().loc[["mean", "std", "min", "max"]].to_string())


def _calibrate_emulator(
    out: str,
    points: int,
    minutes: float | None,
    steps: int,
    members: int,
    seed: int,
    scheduler: str | None,
    resume: bool,
    overwrite: bool,
) -> None:
    """``calibrate --method emulator`` (gutbrain.calibrate.emulator_run)."""
    from gutbrain.calibrate.emulator_run import run_emulator_calibration

    _compile_notice()
    prog, update = _progress_bar("simulating the design")
    with prog:
        run = run_emulator_calibration(
            out,
            points=points,
            minutes=minutes,
            steps=steps,
            members=members,
            seed=seed,
            scheduler=scheduler,
            resume=resume,
            overwrite=overwrite,
            progress=update,
        )
    info = run.info
    error = run.emulators.table[["cv_rmse_gp", "cv_rmse_linear"]].min(axis=1).median()
    typer.echo(
        f"{info['design_points']} of {points} design points; emulators: leave-out RMSE / row "
        f"scale median {error:.2f}; "
        f"MCMC acceptance {info['mcmc_acceptance']:.2f}; {members} members -> "
        f"{out}/ensemble.csv, ensemble.toml"
    )


@app.command()
def demo(
    out: str = typer.Option("demo-output", "--out", "-o", help="output folder"),
    seed: int = typer.Option(2025, "--seed", callback=_seed, help="random seed"),
    overwrite: Overwrite = False,
) -> None:
    """The flagship job: the JS2025 daily-diary probiotic trial in silico, and its analysis."""
    from gutbrain.report.demo_report import run_full_demo

    _compile_notice()
    prog, update = _progress_bar("running the JS2025 design")
    with prog:
        result = run_full_demo(out, seed=seed, progress=update, overwrite=overwrite)
    for line in result.lines():
        typer.echo(line)
    typer.echo("Research simulation, not medical advice.")


# --- meta-analysis (gutbrain.analysis.meta, gutbrain.report.meta_report) ----------------------


@app.command()
def meta(
    effects: str = typer.Argument(..., help="EFFECTS.csv: study, yi, vi|sei (or m1i..n2i)."),
    out: str = typer.Option(..., "--out", help="Output folder (results.json, report.html)."),
    method: str = typer.Option(
        "REML", "--method", help="Tau^2 estimator: REML, ML, DL, HE, SJ, PM, EB, or FE."
    ),
    knha: bool = typer.Option(False, "--knha", help="Knapp-Hartung adjustment (t/F tests)."),
    subgroup: str | None = typer.Option(None, "--subgroup", help="Column for subgroups."),
    mods: str | None = typer.Option(None, "--mods", help="Moderator columns, comma-separated."),
    measure: str | None = typer.Option(
        None,
        "--measure",
        help="From means: SMD (default) or MD; from 2x2 counts: OR (default), RR or RD; "
        "GEN to use yi.",
    ),
    level: float = typer.Option(0.95, "--level", help="Confidence level."),
    trimfill: bool = typer.Option(False, "--trimfill", help="Trim-and-fill (Duval-Tweedie)."),
    trimfill_estimator: str = typer.Option("L0", "--trimfill-estimator", help="L0 or R0."),
    trimfill_side: str = typer.Option("auto", "--trimfill-side", help="auto, left or right."),
    influence: bool = typer.Option(
        False, "--influence", help="Influence diagnostics and leave-one-out estimates."
    ),
    overwrite: Overwrite = False,
) -> None:
    """Meta-analyse an EFFECTS table: pooled effect, heterogeneity, subgroups, meta-regression."""
    from gutbrain.analysis.format import format_ci
    from gutbrain.report.meta_report import run_meta

    names = [m.strip() for m in mods.split(",") if m.strip()] if mods else []
    run = run_meta(
        effects,
        out,
        method=method.upper(),
        knha=knha,
        subgroup=subgroup,
        mods=names,
        measure=measure.upper() if measure else None,
        level=level,
        overwrite=overwrite,
        fill=trimfill_estimator.upper() if trimfill else None,
        fill_side=trimfill_side.lower(),
        diagnostics=influence,
    )
    res = run.model
    typer.echo(
        f"k = {res.k}; pooled {res.beta[0]:.4f} ({format_ci(res.ci_lb[0], res.ci_ub[0], 4)}); "
        f"tau^2 = {res.tau2:.4f}, I^2 = {res.I2:.1f}%"
    )
    back = res.back_transformed()
    if back is not None:
        ratio = "odds" if back.measure == "OR" else "risk"
        typer.echo(
            f"{ratio} ratio {back.pred[0]:.4f} ({format_ci(back.ci_lb[0], back.ci_ub[0], 4)})"
        )
    if run.trimfill is not None:
        tf = run.trimfill
        typer.echo(
            f"trim-and-fill: {tf.k0} missing on the {tf.side} side; with them "
            f"{tf.fit.beta[0]:.4f} ({format_ci(tf.fit.ci_lb[0], tf.fit.ci_ub[0], 4)})"
        )
    typer.echo(f"wrote {run.out}")


# --- diary (gutbrain.diary): the daily-diary web app ---------------------------------------------

diary_app = typer.Typer(help="Daily-diary web app administration.", no_args_is_help=True)
app.add_typer(diary_app, name="diary")


@app.command()
def serve(
    database_url: str = typer.Option(
        None, "--database-url", help="SQLAlchemy URL; default a SQLite file in this directory."
    ),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Serve the daily-diary web app (SQLite file by default, PostgreSQL via DATABASE_URL) and
    the model explorer at /explorer."""
    from gutbrain.diary import serve as serve_diary
    from gutbrain.webapp import create_app

    serve_diary(database_url=database_url, host=host, port=port, factory=create_app)


@diary_app.command("create-admin")
def diary_create_admin(
    email: str = typer.Option(..., help="E-mail address of the administrator."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="At least 10 characters."
    ),
    database_url: str = typer.Option(None, "--database-url", help="SQLAlchemy URL."),
) -> None:
    """Create an administrator account for the diary app."""
    from gutbrain.diary import create_admin

    created = create_admin(email=email, password=password, database_url=database_url)
    typer.echo(f"administrator {created} created")


# --- trials (gutbrain.trials): in-silico trials from design files -------------------------------


@app.command()
def trial(
    design: str = typer.Argument(..., help="DESIGN.toml (see examples/trials/)."),
    out: str = typer.Option(..., "--out", "-o", help="Bundle folder to write."),
    seed: int | None = typer.Option(
        None, "--seed", callback=_seed, help="Seed (default: the design's)."
    ),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address; default a local run."
    ),
    overwrite: Overwrite = False,
    ensemble: EnsembleSize = None,
    ensemble_source: EnsembleSource = None,
    panel: bool = typer.Option(
        False, "--panel", help="Also write the multi-omics panel panel.h5mu (omics extra)."
    ),
) -> None:
    """Run a trial design and write its study bundle (identical locally and on Dask). With
    --ensemble: one bundle per member and a summary of parameter and sampling bands. With
    --panel: also the simulated multi-omics panel (docs/omics.md)."""
    if panel and ensemble is not None:
        raise typer.BadParameter("--panel writes one bundle's panel; run it without --ensemble")
    _compile_notice()
    from gutbrain.trials.output import write_trial

    if ensemble is not None:
        from gutbrain.trials.design import load_design
        from gutbrain.trials.ensemble import write_trial_ensemble

        d = load_design(design)
        ens = _ensemble(ensemble, ensemble_source, d.seed if seed is None else seed)
        assert ens is not None
        prog, update = _progress_bar(f"running the trial for {len(ens)} members")
        with prog:
            erun = write_trial_ensemble(
                design, out, ens, seed, scheduler=scheduler, overwrite=overwrite, progress=update
            )
        for line in erun.lines():
            typer.echo(line)
        typer.echo(f"{erun.name}: {len(ens)} member bundles; wrote {erun.out}")
        return
    _ensemble(None, ensemble_source, 0)

    prog, update = _progress_bar("simulating the trial")
    with prog:
        run = write_trial(
            design, out, seed, scheduler=scheduler, overwrite=overwrite, progress=update,
            panel=panel,
        )  # fmt: skip
    typer.echo(f"{run.name}: {run.arms}; wrote {run.out}")


# --- power analysis (gutbrain.power) --------------------------------------------------------------


@app.command()
def power(
    design: str = typer.Argument(..., help="Power DESIGN.toml (see examples/power/)."),
    out: str = typer.Option(..., "--out", "-o", help="Output folder (results.json, report.html)."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address; default a local Dask cluster."
    ),
    workers: int | None = typer.Option(
        None, "--workers", min=1, help="Local cluster's processes (default: the cores; 1: none)."
    ),
    overwrite: Overwrite = False,
) -> None:
    """Power by simulation over participants, days, effect, compliance, dropout and alpha
    (identical locally and on Dask)."""
    import os

    from gutbrain.power import read_design, run_power
    from gutbrain.power.output import write_power
    from gutbrain.power.run import local_scheduler

    spec = read_design(design)
    prog, update = _progress_bar("simulating replicates")
    local = 1 if scheduler is not None else (workers or os.cpu_count() or 1)
    with local_scheduler(local) as client, prog:
        result = run_power(spec, scheduler=scheduler or client, progress=update)
    path = write_power(result, out, overwrite=overwrite)
    for s in result.smallest:
        reached = (
            f"{s['participants']} participants x {s['days']} days"
            if s["participants"] is not None
            else "not reached on this grid"
        )
        setting = ", ".join(f"{k} {s[k]}" for k in ("alpha", "effect", "compliance", "dropout"))
        typer.echo(f"power >= {spec.target} ({setting}): {reached}")
    typer.echo(f"wrote {path}")


# --- diary-trial and N-of-1 analysis (gutbrain.analysis.diary_trial, .nof1; gutbrain.report) ------


@app.command()
def analyze(
    bundle: str = typer.Argument(..., help="Study bundle folder (study.toml + tables)."),
    out: str = typer.Option(..., "--out", help="Output folder (results.json, report.html)."),
    control: str | None = typer.Option(None, "--control", help="Control arm (default: first)."),
    treatment: str | None = typer.Option(None, "--treatment", help="Treatment arm."),
    level: float = typer.Option(0.95, "--level", help="Confidence level."),
    alpha: float = typer.Option(0.05, "--alpha", help="Significance level for 'detects'/onset."),
    mid: float = typer.Option(5.0, "--mid", help="N-of-1: minimal important NA difference."),
    onset_shape: Literal["step", "ramp", "auto"] = typer.Option(
        "step", "--onset-shape", help="Onset: step, ramp or auto."
    ),
    primary: str | None = typer.Option(
        None,
        "--primary",
        help="Primary outcome of a parallel trial (default: study.toml's primary, else "
        "negative_affect with a diary, the first instrument without).",
    ),
    overwrite: Overwrite = False,
) -> None:
    """Analyse a study bundle: diary-trial effects and onset, pre/post, MMRM and responders of a
    questionnaire-only trial, a crossover, or an N-of-1 series."""
    from gutbrain.analysis.format import format_ci
    from gutbrain.report.analyze_report import run_analyze

    run = run_analyze(
        bundle,
        out,
        control=control,
        treatment=treatment,
        level=level,
        alpha=alpha,
        mid=mid,
        onset_shape=onset_shape,
        primary=primary,
        overwrite=overwrite,
    )
    if run.trial is not None:
        for name, eff in run.trial.outcomes.items():
            on = eff.onset
            when = (
                f"onset day {on.day} ({format_ci(on.ci_low, on.ci_high, 0)})"
                if on.day is not None
                else f"onset not placed: {on.note}"
            )
            typer.echo(f"{name}: overall {eff.overall['estimate']:.2f}, {when}")
    if run.questionnaire is not None:
        q = run.questionnaire
        for inst, m in q.mmrm.items():
            last = m.last()
            role = "primary" if inst == q.primary else "secondary"
            typer.echo(
                f"{inst} ({role}): MMRM change at {last['visit']} {last['estimate']:.2f} "
                f"({format_ci(last['ci_low'], last['ci_high'], 2)})"
            )
    if run.tables is not None:
        prim = run.tables.endpoints[0]
        sec = [e for e in run.tables.endpoints if e.role == "secondary"]
        typer.echo(
            f"primary outcome {prim.outcome} ({run.tables.primary_source}): {prim.estimate:.2f} "
            f"({format_ci(prim.ci_low, prim.ci_high, 2)}), p = {prim.p:.3g}; "
            f"{sum(e.significant for e in sec)} of {len(sec)} secondary outcomes significant "
            f"after Holm's adjustment"
        )
    if run.crossover is not None:
        for name, e in run.crossover.outcomes.items():
            typer.echo(f"{name}: {e.estimate:.2f} ({format_ci(e.ci_low, e.ci_high, 2)})")
    typer.echo(f"wrote {run.out}. Research software, not medical advice.")


@app.command()
def nof1(
    bundle: str = typer.Argument(..., help='N-of-1 bundle folder (design = "nof1").'),
    out: str = typer.Option(..., "--out", help="Output folder (results.json, report.html)."),
    mid: float = typer.Option(5.0, "--mid", help="Minimal important NA difference (points)."),
    wash_in: int | None = typer.Option(None, "--wash-in", help="Wash-in days per phase."),
    block_days: int | None = typer.Option(None, "--block-days", help="Days per block."),
    scheme: Literal["pairs", "balanced"] = typer.Option(
        "pairs", "--scheme", help="Randomisation set: pairs or balanced."
    ),
    level: float = typer.Option(0.95, "--level", help="Credible-interval level."),
    overwrite: Overwrite = False,
) -> None:
    """Analyse a series of N-of-1 trials: posteriors, randomisation tests, pooled effect."""
    from gutbrain.analysis.format import format_ci
    from gutbrain.report.nof1_report import run_nof1

    run = run_nof1(
        bundle, out, mid=mid, wash_in=wash_in, block_days=block_days, scheme=scheme, level=level,
        overwrite=overwrite,
    )  # fmt: skip
    pooled = run.series.pooled_dict()
    if pooled is not None:
        typer.echo(
            f"{pooled['k']} participants; pooled {pooled['estimate']:.2f} "
            f"({format_ci(pooled['ci_low'], pooled['ci_high'])})"
        )
    typer.echo(f"wrote {run.out}. Research software, not medical advice.")


# --- module profiling (gutbrain.omics): Omixer-RPM's algorithm ------------------------------------


@app.command()
def profile(
    table: str = typer.Argument(
        ..., help="Ortholog (KO) x sample table: TSV/CSV, taxon-stratified, or HUMAnN 3."
    ),
    modules: str = typer.Option(
        ...,
        "--modules",
        help="Module definitions (Omixer-RPM format), e.g. a GBM or GMM file; 'gutbrain' for "
        "gutbrain's own set.",
    ),
    out: str = typer.Option(..., "--out", help="Output folder (modules.tsv, report.html)."),
    coverage: float | None = typer.Option(
        None, "--coverage", help="Minimum coverage in [0, 1]; default: learned from the data."
    ),
    estimator: Literal["median", "average", "sum", "min"] = typer.Option(
        "median", "--estimator", help="Module abundance from its step scores."
    ),
    normalize_by_length: bool = typer.Option(
        False, "--normalize-by-length", help="Count missing steps (Omixer-RPM's -n)."
    ),
    ignore_taxa: bool = typer.Option(
        False, "--ignore-taxa", help="Profile a stratified table for the whole community."
    ),
    overwrite: Overwrite = False,
) -> None:
    """Profile a KO table into module abundances and coverages (Omixer-RPM's algorithm)."""
    from gutbrain.omics.modules_run import run_profile

    run = run_profile(
        table, modules, out, coverage=coverage, estimator=estimator,
        normalize_by_length=normalize_by_length, ignore_taxa=ignore_taxa, overwrite=overwrite,
    )  # fmt: skip
    info = run.profile.to_dict()
    how = "learned" if run.profile.learned else "given"
    cutoff = (
        "no module observed"
        if info["cutoff"] is None
        else f"minimum coverage {info['cutoff']:.4g} ({how})"
    )
    typer.echo(f"{info['rows_reported']} rows reported over {info['samples']} samples; {cutoff}")
    typer.echo(f"wrote {run.out}")


if __name__ == "__main__":  # pragma: no cover
    main()
