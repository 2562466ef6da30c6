"""Remote commands: `start`, `status`, `events raise`, `terminate`, `redrive`, `history`, `list`, `purge`.

They go through `OrchestrationClient` with boto3, so they work against AWS (`--region`,
`--profile`) and against any Step Functions endpoint (`--endpoint-url`), including
`durable-sfn serve`, which also hosts the external-event table on the same endpoint.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from durable_sfn._aws import DEFAULT_REGION
from durable_sfn.cli.support import UsageError, err_console, parse_json_option, reports_errors
from durable_sfn.client.logs import is_log_variable, records_in_event
from durable_sfn.client.orchestration_client import OrchestrationClient
from durable_sfn.client.status import OrchestrationStatus
from durable_sfn.server.guard import TOKEN_HEADER

console = Console(highlight=False, soft_wrap=True)

events_app = typer.Typer(help="Send external events to running instances.", no_args_is_help=True)

Region = Annotated[str | None, typer.Option("--region", envvar="AWS_REGION", help="AWS region.")]
Profile = Annotated[str | None, typer.Option("--profile", envvar="AWS_PROFILE", help="AWS profile.")]
EndpointUrl = Annotated[
    str | None,
    typer.Option(
        "--endpoint-url",
        envvar="DURABLE_SFN_ENDPOINT_URL",
        help="Step Functions endpoint, e.g. http://127.0.0.1:8083 for durable-sfn serve.",
    ),
]
Token = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="DURABLE_SFN_SERVE_TOKEN",
        help="The shared secret of a `durable-sfn serve --token` server (sent as the "
        "X-Durable-Sfn-Token header; needs --endpoint-url).",
    ),
]
EventsTable = Annotated[
    str | None,
    typer.Option(
        "--events-table", envvar="DURABLE_SFN_EVENTS_TABLE", help="DynamoDB table of external events."
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def register(app: typer.Typer) -> None:
    app.command("start")(start)
    app.command("status")(status)
    app.add_typer(events_app, name="events")
    app.command("terminate")(terminate)
    app.command("redrive")(redrive)
    app.command("history")(history)
    app.command("list")(list_instances)
    app.command("purge")(purge)


def make_client(
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    events_table: str | None = None,
    token: str | None = None,
) -> OrchestrationClient:
    """An OrchestrationClient over boto3; a loopback endpoint gets placeholder credentials.

    `token` goes to the endpoint as the header `durable-sfn serve --token` requires, on both
    clients (the server's Step Functions and DynamoDB APIs); only to an explicit endpoint, so a
    secret meant for a local server is never sent to AWS.
    """
    import boto3

    if token is not None and not endpoint_url:
        raise UsageError(
            "--token (or DURABLE_SFN_SERVE_TOKEN) is the secret of a durable-sfn serve endpoint: "
            "pass --endpoint-url too"
        )
    if token == "":
        raise UsageError("--token must not be empty")

    session = boto3.Session(profile_name=profile, region_name=region)
    options: dict[str, Any] = {}
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
        host = urlsplit(endpoint_url).hostname or ""
        if session.get_credentials() is None and (host in ("localhost", "::1") or host.startswith("127.")):
            # The local server does not check signatures; boto3 still insists on signing.
            options.update(aws_access_key_id="local", aws_secret_access_key="local")
        if session.region_name is None:
            options["region_name"] = DEFAULT_REGION
    sfn = session.client("stepfunctions", **options)
    dynamodb = session.client("dynamodb", **options)
    if token is not None:
        for client in (sfn, dynamodb):
            client.meta.events.register("before-sign", functools.partial(_send_token, token))
    return OrchestrationClient(sfn, dynamodb=dynamodb, events_table=events_table)


def _send_token(token: str, request: Any, **_: Any) -> None:
    request.headers[TOKEN_HEADER] = token


def _print_status(state: OrchestrationStatus, json_output: bool) -> None:
    if json_output:
        console.print_json(data=state.to_json())
        return
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    colour = {"Completed": "green", "Running": "cyan"}.get(state.runtime_status, "red")
    table.add_row("instance", state.instance_id)
    table.add_row("orchestrator", state.orchestrator)
    table.add_row("status", f"[{colour}]{state.runtime_status}[/] ({state.status})")
    table.add_row("created", state.created_time.isoformat())
    table.add_row("updated", state.last_updated_time.isoformat())
    table.add_row("custom status", json.dumps(state.custom_status))
    table.add_row("input", json.dumps(state.input))
    if state.done:
        table.add_row("output", json.dumps(state.output))
    if state.error:
        table.add_row("error", state.error)
        table.add_row("cause", state.cause or "")
    console.print(table)


@reports_errors
def start(
    orchestrator: Annotated[str, typer.Argument(help="Orchestrator (state machine) name or ARN.")],
    input: Annotated[str | None, typer.Option("--input", "-i", help="JSON input, or @file.json.")] = None,
    instance_id: Annotated[
        str | None, typer.Option("--instance-id", help="Execution name (default: random).")
    ] = None,
    wait: Annotated[
        float | None, typer.Option("--wait", help="Wait up to this many seconds for the end.")
    ] = None,
    json_output: JsonFlag = False,
    region: Region = None,
    profile: Profile = None,
    endpoint_url: EndpointUrl = None,
    token: Token = None,
) -> None:
    """Start an orchestration; print its instance id (the execution ARN)."""
    client = make_client(region, profile, endpoint_url, token=token)
    instance = client.start_new(orchestrator, parse_json_option(input, "--input"), instance_id)
    if wait is None:
        if json_output:
            console.print_json(data={"instanceId": instance})
        else:
            print(instance)
        return
    state = client.wait_for_completion(instance, timeout=wait)
    _print_status(state, json_output)
    if state.done and state.status != "SUCCEEDED":
        raise typer.Exit(1)


@reports_errors
def status(
    instance: Annotated[str, typer.Argument(help="Instance id: execution ARN, or execution name.")],
    json_output: JsonFlag = False,
    region: Region = None,
    profile: Profile = None,
    endpoint_url: EndpointUrl = None,
    token: Token = None,
) -> None:
    """Show an instance's runtime status, custom status, input, output and error."""
    _print_status(make_client(region, profile, endpoint_url, token=token).get_status(instance), json_output)


@events_app.command("raise")
@reports_errors
def raise_event(
    instance: Annotated[str, typer.Argument(help="Instance id: execution ARN, or execution name.")],
    name: Annotated[str, typer.Argument(help="Event name, as in wait_for_external_event(name).")],
    data: Annotated[str | None, typer.Argument(help="Event data as JSON, or @file.json.")] = None,
    region: Region = None,
    profile: Profile = None,
    endpoint_url: EndpointUrl = None,
    token: Token = None,
    events_table: EventsTable = None,
    force: Annotated[
        bool, typer.Option("--force", help="Keep an event the definition never waits for anyway.")
    ] = False,
) -> None:
    """Raise an external event: completes a waiting instance, or is kept until it waits.

    An event name the instance's definition never waits for (a typo, most often) is refused,
    with the names it does wait for; `--force` keeps it anyway.
    """
    client = make_client(region, profile, endpoint_url, events_table, token)
    payload = parse_json_option(data, "event data")
    if not force:
        names = _awaited_event_names(client, instance)
        if names is not None and name not in names:
            expected = ", ".join(repr(n) for n in sorted(names)) or "none"
            raise UsageError(
                f"instance {instance} never waits for an event {name!r}; its definition waits for: "
                f"{expected} (--force keeps the event anyway)"
            )
    delivery = client.raise_event(instance, name, payload)
    console.print(f"event {name!r} {delivery}")


def _awaited_event_names(client: OrchestrationClient, instance: str) -> set[str] | None:
    """The event names the instance's definition waits for; None when it cannot tell.

    A name computed at run time (not a literal) could be anything, and an identity that may not
    read the definition cannot check: both answer None, and the event is raised unchecked.
    """
    try:
        arn = client.resolve(instance)
        response = client.sfn.describe_state_machine_for_execution(executionArn=arn)
        definition = json.loads(response["definition"])
    except Exception:  # the raise itself reports an unknown instance or a refused call
        return None
    names: set[str] = set()
    for state in _all_states(definition):
        if "waitForTaskToken" not in str(state.get("Resource", "")):
            continue
        for arguments in (state.get("Arguments"), state.get("Parameters")):
            payload = arguments.get("Payload") if isinstance(arguments, dict) else None
            if not isinstance(payload, dict):
                continue
            if "eventName.$" in payload:
                return None
            event = payload.get("eventName")
            if isinstance(event, str):
                if event.startswith("{%"):
                    return None
                names.add(event)
    return names


def _all_states(definition: Any) -> list[dict[str, Any]]:
    """Every state of a definition, inside Parallel branches and Map item processors too."""
    found: list[dict[str, Any]] = []
    states = definition.get("States") if isinstance(definition, dict) else None
    for state in (states or {}).values():
        if not isinstance(state, dict):
            continue
        found.append(state)
        for branch in state.get("Branches") or []:
            found.extend(_all_states(branch))
        for key in ("ItemProcessor", "Iterator"):
            found.extend(_all_states(state.get(key)))
    return found


@reports_errors
def terminate(
    instance: Annotated[str, typer.Argument(help="Instance id: execution ARN, or execution name.")],
    reason: Annotated[str, typer.Option("--reason", help="Recorded as the stop cause.")] = "",
    region: Region = None,
    profile: Profile = None,
    endpoint_url: EndpointUrl = None,
    token: Token = None,
) -> None:
    """Stop a running instance."""
    client = make_client(region, profile, endpoint_url, token=token)
    state = client.get_status(instance, show_input=False, show_custom_status=False)
    if state.done:
        raise UsageError(f"instance {state.instance_id} already ended ({state.status}); nothing to terminate")
    client.terminate(instance, reason)
    console.print(f"terminated {state.instance_id}")


@reports_errors
def redrive(
    instance: Annotated[str, typer.Argument(help="Instance id: execution ARN, or execution name.")],
    wait: Annotated[
        float | None, typer.Option("--wait", help="Wait up to this many seconds for the end.")
    ] = None,
    json_output: JsonFlag = False,
    region: Region = None,
    profile: Profile = None,
    endpoint_url: EndpointUrl = None,
    token: Token = None,
) -> None:
    """Resume a failed, timed-out or terminated instance from its failed step (Durable: rewind).

    Steps that completed are not run again; Step Functions allows it within 14 days of the end,
    for Standard state machines.
    """
    client = make_client(region, profile, endpoint_url, token=token)
    when = client.redrive(instance)
    if wait is not None:
        state = client.wait_for_completion(instance, timeout=wait)
        _print_status(state, json_output)
        if state.done and state.status != "SUCCEEDED":
            raise typer.Exit(1)
        return
    arn = client.resolve(instance)
    if json_output:
        console.print_json(data={"instanceId": arn, "redriveDate": when.isoformat()})
    else:
        console.print(f"redriven {arn} at {when.isoformat()}")


@reports_errors
def purge(
    instance: Annotated[
        str | None, typer.Argument(help="Instance id (execution ARN or name), or @Entity@key.")
    ] = None,
    created_from: Annotated[
        str | None, typer.Option("--created-from", help="Purge ended instances created from (ISO 8601).")
    ] = None,
    created_to: Annotated[str | None, typer.Option("--created-to", help="... and up to (ISO 8601).")] = None,
    status_filter: Annotated[
        list[str] | None, typer.Option("--status", help="Only these statuses (repeatable).")
    ] = None,
    region: Region = None,
    profile: Profile = None,
    endpoint_url: EndpointUrl = None,
    token: Token = None,
    events_table: EventsTable = None,
) -> None:
    """Delete what durable_sfn keeps about ended instances: their external events (entities: their state).

    Step Functions keeps each execution and its history for its own retention period.
    """
    client = make_client(region, profile, endpoint_url, events_table, token)
    if (instance is None) == (created_from is None):
        raise UsageError("give either an INSTANCE or --created-from (with --created-to, --status)")
    if instance is not None:
        result = client.purge_instance_history(instance)
    else:
        result = client.purge_instance_history_by(
            _iso_option(created_from, "--created-from"),
            _iso_option(created_to, "--created-to"),
            status_filter,
        )
    console.print(f"purged {result.instances_deleted} instance{'s' if result.instances_deleted != 1 else ''}")


@reports_errors
def history(
    instance: Annotated[str, typer.Argument(help="Instance id: execution ARN, or execution name.")],
    json_output: JsonFlag = False,
    region: Region = None,
    profile: Profile = None,
    endpoint_url: EndpointUrl = None,
    token: Token = None,
) -> None:
    """Print an instance's execution history, oldest first."""
    events = make_client(region, profile, endpoint_url, token=token).get_history(instance)
    if json_output:
        console.print_json(data={"events": events}, default=_json_default)
        return
    table = Table("id", "time", "type", "state / details")
    for event in events:
        details = next(
            (v for k, v in event.items() if k.endswith("EventDetails") and isinstance(v, dict)), {}
        )
        summary = details.get("name") or details.get("error") or details.get("resource") or ""
        assigned = details.get("assignedVariables")
        if assigned:
            shown = sorted(name for name in assigned if not is_log_variable(name))
            if shown:
                summary += f"  assigned {', '.join(shown)}"
            summary += "".join(f"\nlog {record}" for record in records_in_event(event))
        table.add_row(
            str(event.get("id")),
            _json_default(event.get("timestamp")),
            str(event.get("type")),
            Text(summary),  # log messages are text, not markup
        )
    console.print(table)


@reports_errors
def list_instances(
    status_filter: Annotated[
        str | None,
        typer.Option("--status", help="RUNNING, SUCCEEDED, FAILED, ... or Running, Completed, ..."),
    ] = None,
    orchestrator: Annotated[
        str | None, typer.Option("--orchestrator", help="Only this orchestrator.")
    ] = None,
    created_from: Annotated[str | None, typer.Option("--created-from", help="ISO 8601 time.")] = None,
    created_to: Annotated[str | None, typer.Option("--created-to", help="ISO 8601 time.")] = None,
    max_items: Annotated[
        int | None, typer.Option("--max", min=1, help="At most this many; prints how to get the next ones.")
    ] = None,
    next_token: Annotated[
        str | None, typer.Option("--next-token", help="Continue a --max listing where it stopped.")
    ] = None,
    json_output: JsonFlag = False,
    region: Region = None,
    profile: Profile = None,
    endpoint_url: EndpointUrl = None,
    token: Token = None,
) -> None:
    """List instances, newest first."""
    if next_token is not None and max_items is None:
        raise UsageError("--next-token continues a --max listing: pass --max too")
    found = make_client(region, profile, endpoint_url, token=token).list_instances(
        status=status_filter,
        created_from=_iso_option(created_from, "--created-from"),
        created_to=_iso_option(created_to, "--created-to"),
        orchestrator=orchestrator,
        page_size=max_items,
        continuation_token=next_token,
    )
    if json_output:
        console.print_json(data=[s.to_json() for s in found])
    else:
        table = Table("orchestrator", "name", "status", "created", "instance id")
        for item in found:
            table.add_row(
                item.orchestrator,
                item.name,
                item.runtime_status,
                item.created_time.isoformat(),
                item.instance_id,
            )
        console.print(table)
    if found.continuation_token is not None:
        # On stderr, so that --json output stays one JSON document.
        err_console.print(f"more instances: add --next-token {found.continuation_token}", markup=False)


def _iso_option(text: str | None, option: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{option} {text!r} is not an ISO 8601 time (e.g. 2024-05-01T00:00:00Z)") from None


def _json_default(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)
