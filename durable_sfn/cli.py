"""The `durable-sfn` command line.

Every command turns user mistakes into one clear line on stderr and exit status 1; internal
errors never reach the user as a traceback.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="durable-sfn",
    help="Compile Python orchestrators to AWS Step Functions, run them locally, operate them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def main() -> None:
    """Console-script entry point."""
    app()
