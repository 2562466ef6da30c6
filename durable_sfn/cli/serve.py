"""`durable-sfn serve`: the local engine as a Step Functions endpoint, from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from durable_sfn.activity_loader import add_import_root
from durable_sfn.cli_support import (
    UsageError,
    err_console,
    import_file,
    load_definitions,
    orchestrators_in,
    reports_errors,
    split_target,
)

# -- serve -----------------------------------------------------------------------------------


@reports_errors
def serve(
    host: Annotated[
        str, typer.Option(help="Interface to bind; loopback unless you mean otherwise.")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(help="TCP port (8083, as Step Functions Local; 0 picks a free one).")
    ] = 8083,
    activities: Annotated[
        list[str] | None,
        typer.Option(
            "--activities", "-a", help="Module, package or .py file with @activity functions (repeatable)."
        ),
    ] = None,
    definitions: Annotated[
        list[str] | None,
        typer.Option(
            "--definitions",
            "-d",
            help="Create state machines from .asl.json / orchestrator .py files (repeatable).",
        ),
    ] = None,
    virtual_clock: Annotated[
        bool,
        typer.Option("--virtual-clock", help="Virtual time: waits and timeouts pass instantly when idle."),
    ] = False,
    setup: Annotated[
        list[str] | None,
        typer.Option(
            "--setup", help="Call module:function first (moto active), e.g. to create and seed tables."
        ),
    ] = None,
) -> None:
    """Serve the local engine over the Step Functions API (AWS CLI, boto3 --endpoint-url) and the management API."""
    from durable_sfn.server import LocalBackend, ServerConfig, make_server
    from durable_sfn.server.app import describe, is_loopback

    if not is_loopback(host):
        err_console.print(
            f"[yellow]warning:[/] binding to {host}: anyone who can reach this address can start and stop "
            "executions (there is no authentication)"
        )
    config = ServerConfig(
        host=host,
        port=port,
        activity_modules=list(activities or []),
        virtual_clock=virtual_clock,
        setup=list(setup or []),
    )
    for target in definitions or []:
        # Activities and setup hooks may come from the definitions' project: importable first.
        add_import_root(split_target(target)[0])
    backend = LocalBackend(config)
    try:
        created: list[str] = []
        for target in definitions or []:
            loaded = _definitions_at(target)
            backend.runtime.create_machines(loaded)
            created.extend(item.name for item in loaded)
        backend.runtime.deliver_signals_continuously()  # as the signal queue's consumer does on AWS
        try:
            server = make_server(backend, host, port)
        except OSError as exc:
            raise UsageError(
                f"cannot listen on {host}:{port} ({exc.strerror}): another server may be using it; "
                "pick another --port (0 picks a free one)"
            ) from None
        config.port = int(server.server_address[1])
        err_console.print(describe(config, backend.activities, backend.runtime.entities))
        if created:
            err_console.print(f"  state machines: {', '.join(sorted(created))}")
        # A line on stdout that scripts can wait for before sending requests.
        print(f"listening on http://{host}:{config.port}", flush=True)
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    finally:
        backend.close()


def _definitions_at(target: str) -> list[Any]:
    path = Path(target)
    if path.is_dir():
        # Compiled definitions when the folder has them, else the orchestrator sources.
        files = sorted(path.glob("*.asl.json"))
        if files:
            return [load_definitions(str(f))[0] for f in files]
        found: dict[str, Any] = {}
        for source in sorted(path.glob("*.py")):
            module = import_file(source)
            if orchestrators_in(module):
                for item in load_definitions(f"{source}:{orchestrators_in(module)[0].function.__name__}")[1]:
                    found.setdefault(item.name, item)
        if not found:
            raise UsageError(f"no *.asl.json files and no @orchestrator functions in {path}")
        return list(found.values())
    selected, loaded = load_definitions(target)
    return loaded if path.suffix == ".py" else [selected]
