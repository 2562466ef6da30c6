"""`durable-sfn serve`: the local engine as a Step Functions endpoint, from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from durable_sfn.cli.support import UsageError, err_console, reports_errors
from durable_sfn.local.activities import add_import_root
from durable_sfn.local.definitions import definitions_at, split_target

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
    token: Annotated[
        str | None,
        typer.Option(
            envvar="DURABLE_SFN_SERVE_TOKEN",
            help="Require the header X-Durable-Sfn-Token: TOKEN on every request (shared machines).",
        ),
    ] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            help="Also accept requests whose Host header names NAME, e.g. host.docker.internal "
            "(repeatable; '*' accepts any).",
        ),
    ] = None,
    real_aws: Annotated[
        list[str] | None,
        typer.Option(
            "--real-aws",
            help="Serve this AWS service (boto3 name, e.g. s3) from REAL AWS with your credentials "
            "instead of moto (repeatable).",
        ),
    ] = None,
) -> None:
    """Serve the local engine over the Step Functions API (AWS CLI, boto3 --endpoint-url) and the management API."""
    from durable_sfn.server.app import (  # see the package docstring
        LocalBackend,
        ServerConfig,
        describe,
        is_loopback,
    )
    from durable_sfn.server.guard import AccessPolicy
    from durable_sfn.server.httpd import make_server

    if token is not None and not token:
        raise UsageError("--token must not be empty")
    if not is_loopback(host):
        protection = (
            "requests must carry the --token header"
            if token
            else "there is no authentication; --token adds a shared secret"
        )
        err_console.print(
            f"[yellow]warning:[/] binding to {host}: anyone who can reach this address can start and stop "
            f"executions ({protection}). Requests must name the server in their Host header: a loopback "
            f"name{'' if host in ('0.0.0.0', '::') else ' or ' + host}, or a name given with --allow-host"
        )
    for service in sorted(set(real_aws or [])):
        err_console.print(
            f"[bold red]REAL AWS:[/] {service} is not emulated: activities and aws-sdk tasks call the real "
            f"{service} service with your AWS credentials, and their effects are real"
        )
    config = ServerConfig(
        host=host,
        port=port,
        activity_modules=list(activities or []),
        virtual_clock=virtual_clock,
        setup=list(setup or []),
        real_services=sorted(set(real_aws or [])),
    )
    for target in definitions or []:
        # Activities and setup hooks may come from the definitions' project: importable first.
        add_import_root(split_target(target)[0])
    backend = LocalBackend(config)
    try:
        created: list[str] = []
        for target in definitions or []:
            loaded = definitions_at(target)
            backend.runtime.create_machines(loaded)
            created.extend(item.name for item in loaded)
        backend.runtime.deliver_signals_continuously()  # as the signal queue's consumer does on AWS
        try:
            policy = AccessPolicy(host, port, tuple(allow_host or ()), token)
            server = make_server(backend, host, port, policy=policy)
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
