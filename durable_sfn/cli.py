"""The `durable-sfn` command line.

Every command turns user mistakes into one clear line on stderr and exit status 1; internal
errors never reach the user as a traceback.
"""

from __future__ import annotations

import typer

from durable_sfn import cli_local, cli_ops

app = typer.Typer(
    name="durable-sfn",
    help="Compile Python orchestrators to AWS Step Functions, run them locally, operate them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# validate, graph, run, serve (local) and start, status, events, terminate, history, list (remote).
cli_local.register(app)
cli_ops.register(app)


def main() -> None:
    """Console-script entry point."""
    app()
