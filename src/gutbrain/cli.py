"""The command line: a thin Typer shell over the public API.

Each subcommand calls one library function. Only :class:`gutbrain.errors.GutbrainError` is caught,
and it becomes a short message on stderr with exit code 2. The library itself never prints or exits.
"""

from __future__ import annotations

import sys

import typer

from gutbrain.errors import GutbrainError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="gutbrain: simulate, trial and analyse the microbiota-gut-brain axis. "
    "Research and teaching only; not medical advice.",
)


def main() -> None:
    """Entry point: run the app and map project errors to a clean exit."""
    try:
        app(standalone_mode=False)
    except GutbrainError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        sys.exit(2)
    except typer.Abort:
        sys.exit(1)
    except Exception as exc:  # click usage errors arrive here in non-standalone mode
        import click

        if isinstance(exc, click.exceptions.Exit):
            sys.exit(exc.exit_code)
        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise


@app.command()
def version() -> None:
    """Print the installed gutbrain version."""
    from gutbrain import __version__

    typer.echo(__version__)


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
) -> None:
    """Meta-analyse an EFFECTS table: pooled effect, heterogeneity, subgroups, meta-regression."""
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
    )
    res = run.model
    typer.echo(
        f"k = {res.k}; pooled {res.beta[0]:.4f} ({res.ci_lb[0]:.4f} to {res.ci_ub[0]:.4f}); "
        f"tau^2 = {res.tau2:.4f}, I^2 = {res.I2:.1f}%"
    )
    typer.echo(f"wrote {run.out}")


if __name__ == "__main__":  # pragma: no cover
    main()
