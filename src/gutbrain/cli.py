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


if __name__ == "__main__":  # pragma: no cover
    main()
