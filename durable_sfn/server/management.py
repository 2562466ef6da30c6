"""The Durable Functions-style management HTTP API, independent of any HTTP server.

Routes (under `PREFIX`, as Durable's `/runtime/webhooks/durabletask`):

    POST   /orchestrators/{name}[/{instanceId}]     start; 202 + Location + management URIs
    GET    /instances/{instanceId}?showInput=&showHistory=   status; 202 while running, 200 once
           ended; showHistory=true adds `historyEvents` (the Step Functions history events)
    GET    /instances?runtimeStatus=&createdTimeFrom=&createdTimeTo=&top=N   list, newest first;
           `top` pages: the answer's `x-ms-continuation-token` header, sent back as a request
           header, gets the next page
    POST   /instances/{instanceId}/raiseEvent/{eventName}   body = event data; 202
    POST   /instances/{instanceId}/terminate?reason=...     202
    POST   /instances/{instanceId}/rewind?reason=...        redrive from the failed step; 202
    DELETE /instances/{instanceId}                  purge one ended instance; 200 {instancesDeleted}
    DELETE /instances?createdTimeFrom=&createdTimeTo=&runtimeStatus=   purge many; 200 (404: none)
    POST   /entities/{name}/{key}?op={operation}    signal; body = operation input; 202
    GET    /entities/{name}/{key}                   committed entity state; 404 if it has none

Instance ids are execution ARNs, percent-encoded in paths. `durable-sfn serve` mounts this
locally; `durable_sfn.server.management_lambda` mounts it behind API Gateway on AWS. Both call
`handle` with an OrchestrationClient, so the two behave identically.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote

from durable_sfn._aws import client_error_code
from durable_sfn.client import OrchestrationClient
from durable_sfn.client.status import (
    InstanceAlreadyExistsError,
    InstanceNotFoundError,
    InstanceNotRedrivableError,
    InstanceNotRunningError,
    OrchestrationClientError,
    OrchestratorNotFoundError,
)
from durable_sfn.dsl import EntityId
from durable_sfn.engine.bounds import BoundExceeded, load_json

PREFIX = "/runtime/webhooks/durabletask"
# Durable's paging header: in the answer when more instances follow, in the request to get them.
CONTINUATION_HEADER = "x-ms-continuation-token"


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        return json.dumps(self.body, default=str).encode("utf-8")


def _error(status: int, message: str) -> HttpResponse:
    return HttpResponse(status, {"error": message})


def management_urls(base_url: str, instance_id: str) -> dict[str, str]:
    """The URIs Durable's `create_check_status_response` returns, for one instance."""
    root = base_url.rstrip("/") + PREFIX + "/instances/" + quote(instance_id, safe="")
    return {
        "id": instance_id,
        "statusQueryGetUri": root,
        "sendEventPostUri": root + "/raiseEvent/{eventName}",
        "terminatePostUri": root + "/terminate?reason={text}",
        "rewindPostUri": root + "/rewind?reason={text}",
        "purgeHistoryDeleteUri": root,
    }


def handle(
    client: OrchestrationClient,
    method: str,
    path: str,
    query: dict[str, str],
    body: bytes,
    base_url: str,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    """Serve one management request; never raises. `headers`: the request's (any case)."""
    if not path.startswith(PREFIX):
        return _error(404, f"no such route {path!r}: the management API lives under {PREFIX}")
    parts = [unquote(p) for p in path[len(PREFIX) :].split("/") if p]
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    try:
        return _route(client, method.upper(), parts, query, body, base_url, lowered)
    except (InstanceNotFoundError, OrchestratorNotFoundError) as exc:
        return _error(404, str(exc))  # as Durable answers an unknown orchestrator or instance
    except InstanceAlreadyExistsError as exc:
        return _error(409, str(exc))
    except (InstanceNotRunningError, InstanceNotRedrivableError) as exc:
        return _error(410, str(exc))
    except OrchestrationClientError as exc:
        return _error(400, str(exc))
    except Exception as exc:
        code = client_error_code(exc)
        if code in ("ExecutionDoesNotExist", "StateMachineDoesNotExist"):
            return _error(404, str(exc))
        if code in ("ValidationException", "InvalidArn", "InvalidName", "InvalidExecutionInput"):
            return _error(400, str(exc))
        if code == "ExecutionAlreadyExists":
            return _error(409, str(exc))
        return _error(500, f"internal error: {type(exc).__name__}: {exc}")


def _json_body(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        # Strict JSON (no NaN or Infinity) with bounded nesting: a 400, never a RecursionError.
        return load_json(body.decode("utf-8"))
    except BoundExceeded as exc:
        raise OrchestrationClientError(f"request body is not accepted: {exc.message}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise OrchestrationClientError(f"request body is not valid JSON: {exc}") from None


def _route(
    client: OrchestrationClient,
    method: str,
    parts: list[str],
    query: dict[str, str],
    body: bytes,
    base_url: str,
    headers: dict[str, str],
) -> HttpResponse:
    match method, parts:
        case "POST", ["orchestrators", name, *rest] if len(rest) <= 1:
            instance_id = client.start_new(name, _json_body(body), rest[0] if rest else None)
            urls = management_urls(base_url, instance_id)
            return HttpResponse(202, urls, {"Location": urls["statusQueryGetUri"]})
        case "GET", ["instances"]:
            instances = client.list_instances(
                status=query.get("runtimeStatus") or None,
                created_from=_time(query.get("createdTimeFrom")),
                created_to=_time(query.get("createdTimeTo")),
                page_size=_top(query.get("top")),
                continuation_token=headers.get(CONTINUATION_HEADER) or None,
            )
            token = instances.continuation_token
            return HttpResponse(
                200, [s.to_json() for s in instances], {CONTINUATION_HEADER: token} if token else {}
            )
        case "DELETE", ["instances"]:
            created_from = _time(query.get("createdTimeFrom"))
            if created_from is None:
                raise OrchestrationClientError(
                    "purging by filter needs createdTimeFrom (and optionally createdTimeTo, runtimeStatus)"
                )
            statuses = [s for s in (query.get("runtimeStatus") or "").split(",") if s] or None
            result = client.purge_instance_history_by(
                created_from, _time(query.get("createdTimeTo")), statuses
            )
            if result.instances_deleted == 0:
                return _error(404, "no ended instance matches the criteria")
            return HttpResponse(200, {"instancesDeleted": result.instances_deleted})
        case "DELETE", ["instances", instance_id]:
            result = client.purge_instance_history(instance_id)
            if result.instances_deleted == 0:
                return _error(404, f"no instance {instance_id!r} to purge")
            return HttpResponse(200, {"instancesDeleted": result.instances_deleted})
        case "POST", ["instances", instance_id, "rewind"]:
            client.rewind(instance_id, query.get("reason", ""))
            return HttpResponse(202, {"rewound": client.resolve(instance_id)})
        case "GET", ["instances", instance_id]:
            status = client.get_status(instance_id, show_input=_flag(query, "showInput", True))
            urls = management_urls(base_url, status.instance_id)
            headers = {} if status.done else {"Location": urls["statusQueryGetUri"]}
            document = status.to_json()
            if _flag(query, "showHistory", False):
                # Durable lists its own history events; these are the execution's Step Functions
                # history events, as GetExecutionHistory returns them (outputs included).
                document["historyEvents"] = client.get_history(status.instance_id)
            return HttpResponse(200 if status.done else 202, document, headers)
        case "POST", ["instances", instance_id, "raiseEvent", event_name]:
            delivery = client.raise_event(instance_id, event_name, _json_body(body))
            return HttpResponse(202, {"delivery": delivery})
        case "POST", ["instances", instance_id, "terminate"]:
            status = client.get_status(instance_id, show_input=False, show_custom_status=False)
            if status.done:
                raise InstanceNotRunningError(
                    f"instance {status.instance_id} is {status.status}, not RUNNING"
                )
            client.terminate(instance_id, query.get("reason", ""))
            return HttpResponse(202, {"terminated": status.instance_id})
        case "POST", ["entities", name, key]:
            operation = query.get("op")
            if not operation:
                raise OrchestrationClientError(
                    f"signalling {name}@{key} needs the operation: POST .../entities/{name}/{key}?op=OPERATION"
                )
            operation_id = client.signal_entity(_entity_id(name, key), operation, _json_body(body))
            return HttpResponse(202, {"operationId": operation_id})
        case "GET", ["entities", name, key]:
            # As Durable's HTTP API: the state itself, or 404 when the entity has none.
            entity = client.read_entity_state(_entity_id(name, key))
            if not entity.exists:
                return _error(404, f"entity {name}@{key} does not exist (it has no committed state)")
            return HttpResponse(200, entity.state, {"ETag": f'"{entity.version}"'})
        case _:
            return _error(404, f"no route for {method} {PREFIX}/{'/'.join(parts)}")


def _entity_id(name: str, key: str) -> EntityId:
    try:
        return EntityId(name, key)
    except ValueError as exc:
        raise OrchestrationClientError(str(exc)) from None


def _flag(query: dict[str, str], name: str, default: bool) -> bool:
    text = query.get(name)
    if text is None or text == "":
        return default
    if text.lower() not in ("true", "false"):
        raise OrchestrationClientError(f"{name} must be true or false, got {text!r}")
    return text.lower() == "true"


def _top(text: str | None) -> int | None:
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise OrchestrationClientError(f"top must be a positive whole number, got {text!r}")
    return int(text)


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise OrchestrationClientError(
            f"{text!r} is not an ISO 8601 time (e.g. 2024-05-01T00:00:00Z)"
        ) from None
