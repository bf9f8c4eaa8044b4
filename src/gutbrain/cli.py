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
) -> None:
    """Simulate a scenario: trajectories (Parquet), an axis plot and a manifest (identical
    locally and on Dask)."""
    from gutbrain.report.simulate_output import simulate_scenario

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
) -> None:
    """Run the model's credibility checks (B1-B12 and the evidence targets)."""
    import json

    from gutbrain.model.validation import CHECKS, run_checks

    ids = list(check) if check else None
    for k in ids or []:
        if k not in CHECKS:
            raise GutbrainError(f"unknown check {k!r}; known: {', '.join(CHECKS)}")
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


@app.command()
def calibrate() -> None:
    """Fit the parameters whose role is "calibrated" to their targets and print the fit."""
    from gutbrain.model.calibration import calibrate as run_calibration

    result = run_calibration()
    typer.echo(result.summary().to_string(index=False))
    typer.echo(result.targets().to_string(index=False))


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
    method: str = typer.Option("REML", "--method", help="Tau^2 estimator: REML, DL, PM or FE."),
    knha: bool = typer.Option(False, "--knha", help="Knapp-Hartung adjustment (t/F tests)."),
    subgroup: str | None = typer.Option(None, "--subgroup", help="Column for subgroups."),
    mods: str | None = typer.Option(None, "--mods", help="Moderator columns, comma-separated."),
    measure: str | None = typer.Option(
        None, "--measure", help="From raw means: SMD (default) or MD; GEN to use yi."
    ),
    level: float = typer.Option(0.95, "--level", help="Confidence level."),
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
    )
    res = run.model
    typer.echo(
        f"k = {res.k}; pooled {res.beta[0]:.4f} ({format_ci(res.ci_lb[0], res.ci_ub[0], 4)}); "
        f"tau^2 = {res.tau2:.4f}, I^2 = {res.I2:.1f}%"
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
    """Serve the daily-diary web app (SQLite file by default, PostgreSQL via DATABASE_URL)."""
    from gutbrain.diary import serve as serve_diary

    serve_diary(database_url=database_url, host=host, port=port)


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
) -> None:
    """Run a trial design and write its study bundle (identical locally and on Dask)."""
    _compile_notice()
    from gutbrain.trials.output import write_trial

    prog, update = _progress_bar("simulating the trial")
    with prog:
        run = write_trial(
            design, out, seed, scheduler=scheduler, overwrite=overwrite, progress=update
        )
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
        overwrite=overwrite,
    )
    if run.trial is not None:
        for name, eff in run.trial.outcomes.items():
            on = eff.onset
            when = (
                f"onset day {on.day} ({format_ci(on.ci_low, on.ci_high, 0)})"
                if on.day is not None
                else ("no arm effect")
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


if __name__ == "__main__":  # pragma: no cover
    main()
