"""The `durable-sfn` command line.

Every command turns user mistakes into one clear line on stderr and exit status 1; internal
errors never reach the user as a traceback.
"""

from __future__ import annotations

from pathlib import Path

import typer

from durable_sfn.cli.compile import run as run_compile
from durable_sfn.cli.local import register as register_local_commands
from durable_sfn.cli.remote import register as register_remote_commands
from durable_sfn.cli.serve import ENVIRONMENT_HELP, serve

app = typer.Typer(
    name="durable-sfn",
    help="Compile Python orchestrators to AWS Step Functions, run them locally, operate them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# validate, graph, run, serve (local) and start, status, events, terminate, history, list (remote).
register_local_commands(app)
app.command("serve", epilog=ENVIRONMENT_HELP)(serve)
register_remote_commands(app)


@app.command("compile")
def compile_command(
    paths: list[Path] = typer.Argument(..., help="Orchestrator .py files or folders to search."),
    stdout: bool = typer.Option(False, "--stdout", help="Print the definitions instead of writing files."),
    check: bool = typer.Option(False, "--check", help="Exit 1 if a committed .asl.json is missing or stale."),
) -> None:
    """Compile @orchestrator functions to NAME.asl.json next to their source (never runs user code)."""
    raise typer.Exit(run_compile(paths, stdout=stdout, check=check))


def main() -> None:
    """Console-script entry point."""
    app()
