"""`durable-sfn serve`: the local engine as a Step Functions endpoint, from the command line.

It honours the environment variables of Step Functions Local that have a meaning here
(SFN_MOCK_CONFIG, AWS_DEFAULT_REGION, AWS_ACCOUNT_ID) and warns about those it does not, so a
Step Functions Local setup never silently behaves differently.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from durable_sfn._aws import DEFAULT_ACCOUNT, DEFAULT_REGION
from durable_sfn.cli.support import UsageError, err_console, reports_errors
from durable_sfn.local.activities import add_import_root
from durable_sfn.local.definitions import definitions_at, split_target

# Step Functions Local settings serve does not honour, and why (printed when one is set).
_NOT_HONOURED = {
    "WAIT_TIME_SCALE": "Wait states take their full time on the real clock; --virtual-clock makes idle waits pass at once",
    **{
        name: "every service is emulated in-process (moto); --real-aws SERVICE uses real AWS instead"
        for name in (
            "LAMBDA_ENDPOINT",
            "BATCH_ENDPOINT",
            "DYNAMODB_ENDPOINT",
            "ECS_ENDPOINT",
            "GLUE_ENDPOINT",
            "SAGE_MAKER_ENDPOINT",
            "SQS_ENDPOINT",
            "SNS_ENDPOINT",
        )
    },
    "STEP_FUNCTIONS_ENDPOINT": "nested executions run on this same engine",
}

# The end of `serve --help`.
ENVIRONMENT_HELP = (
    "Step Functions Local's environment variables: SFN_MOCK_CONFIG (--mock-config), "
    "AWS_DEFAULT_REGION (--region) and AWS_ACCOUNT_ID (--account) are honoured. Not honoured, with a "
    "warning at start when set: WAIT_TIME_SCALE (use --virtual-clock); LAMBDA_ENDPOINT, "
    "BATCH_ENDPOINT, DYNAMODB_ENDPOINT, ECS_ENDPOINT, GLUE_ENDPOINT, SAGE_MAKER_ENDPOINT, "
    "SQS_ENDPOINT and SNS_ENDPOINT (services are emulated in-process; --real-aws SERVICE uses real "
    "AWS); STEP_FUNCTIONS_ENDPOINT (nested executions run on this engine)."
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
    real_http: Annotated[
        bool,
        typer.Option(
            "--real-http",
            help="Let HTTP Tasks (ctx.call_http) call any host; without it they reach only --http-allow addresses.",
        ),
    ] = False,
    http_allow: Annotated[
        list[str] | None,
        typer.Option(
            "--http-allow",
            metavar="HOST:PORT",
            help="Let HTTP Tasks call this address (repeatable). Without it (or --real-http) they call "
            "nothing, not even loopback: a definition anyone can send here must not reach this "
            "machine's own services.",
        ),
    ] = None,
    mock_config: Annotated[
        Path | None,
        typer.Option(
            "--mock-config",
            envvar="SFN_MOCK_CONFIG",
            help="A Step Functions Local mock config (MockConfigFile.json); start '<state machine "
            "ARN>#<TestCase>' to run a test case.",
        ),
    ] = None,
    region: Annotated[
        str,
        typer.Option("--region", envvar="AWS_DEFAULT_REGION", help="Region of the ARNs the server makes."),
    ] = DEFAULT_REGION,
    account: Annotated[
        str,
        typer.Option("--account", envvar="AWS_ACCOUNT_ID", help="Account of the ARNs the server makes."),
    ] = DEFAULT_ACCOUNT,
) -> None:
    """Serve the local engine over the Step Functions API (AWS CLI, boto3 --endpoint-url) and the management API."""
    from durable_sfn.engine.integrations.http import parse_address
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
    for address in http_allow or []:
        try:
            parse_address(address)
        except ValueError as exc:
            raise UsageError(f"--http-allow {exc}") from None
    for name, reason in _NOT_HONOURED.items():
        if os.environ.get(name):
            err_console.print(
                f"[yellow]warning:[/] {name} is a Step Functions Local setting durable-sfn serve does "
                f"not honour: {reason}"
            )
    mocks = _mock_config(mock_config) if mock_config is not None else None
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
    if real_http:
        err_console.print(
            "[bold red]REAL HTTP:[/] HTTP Tasks call any host they name, from this machine: whoever can "
            "create a state machine here can make it send requests anywhere"
        )
    config = ServerConfig(
        host=host,
        port=port,
        activity_modules=list(activities or []),
        virtual_clock=virtual_clock,
        setup=list(setup or []),
        real_services=sorted(set(real_aws or [])),
        real_http=real_http,
        http_allow=list(http_allow or []),
        region=region,
        account_id=account,
        mock_config=mocks,
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


def _mock_config(path: Path) -> dict[str, Any]:
    """The mock config file, read and checked before the server starts (a bad one stops it)."""
    from durable_sfn.engine.mock_config import MockConfig, MockConfigError  # see the package docstring

    try:
        config = MockConfig.load(path)
    except MockConfigError as exc:
        raise UsageError(f"--mock-config / SFN_MOCK_CONFIG: {exc}") from None
    return {"StateMachines": config.state_machines, "MockedResponses": config.responses}
