"""The `durable-sfn` command line (console script `durable-sfn = durable_sfn.cli:main`).

- `main`: the Typer app and the `compile` command;
- `compile`: compiling orchestrator files to `.asl.json` (never runs user code);
- `local`: `validate`, `graph` and `run`, on the in-process engine;
- `serve`: the local engine as a Step Functions endpoint;
- `remote`: `start`, `status`, `events raise`, `terminate`, `history`, `list` through boto3;
- `support`: one-line error reporting and JSON options, shared by the commands.

The engine, the local runtime and the server are imported inside the commands that use them, so
that `--help`, `compile` and the remote commands start without loading them (half the start-up
time). Nothing below imports `durable_sfn.cli` back, so these imports close no cycle.
"""

from durable_sfn.cli.main import app, main

__all__ = ["app", "main"]
