"""`durable-sfn serve`: the local engine, its event store and the management API on one port.

One endpoint serves three things, the way single-endpoint AWS emulators do, so that one
`--endpoint-url` is all a caller configures:

- `X-Amz-Target: AWSStepFunctions.*`: the Step Functions API (AWS CLI, boto3, any SDK);
- `X-Amz-Target: DynamoDB_20120810.*`: the in-process (moto) DynamoDB holding the external-event
  table, so `OrchestrationClient.raise_event` works against the server unchanged;
- `/runtime/webhooks/durabletask/...`: the Durable-style management HTTP API.

The engine uses the real clock by default: external callers send task tokens and events in
real time, and a virtual clock would jump straight to every timeout while nobody is working.
`virtual_clock=True` is for scripted demos where only Wait states take time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from durable_sfn._aws import DEFAULT_ACCOUNT, DEFAULT_REGION
from durable_sfn.local.runtime import LocalRuntime
from durable_sfn.server.management import PREFIX as MANAGEMENT_PREFIX
from durable_sfn.server.management import HttpResponse, handle
from durable_sfn.server.protocol import ProtocolError, Response, dispatch, error_response, parse_body

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8083
# AWS rejects request bodies past its payload limits; 256 KiB payloads escaped as JSON strings
# can roughly double, so anything past 1 MiB cannot be a valid Step Functions request.
MAX_REQUEST_BYTES = 1024 * 1024
DYNAMODB_TARGET_PREFIX = "DynamoDB_20120810."
# The DynamoDB actions the event store and its callers need; the rest of DynamoDB is not served.
_DYNAMODB_ACTIONS = frozenset(
    {"CreateTable", "DescribeTable", "DeleteTable", "ListTables", "GetItem", "PutItem", "DeleteItem",
     "UpdateItem", "Query", "Scan"}
)  # fmt: skip

_log = logging.getLogger("durable_sfn.server")


@dataclass
class ServerConfig:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    activity_modules: list[str] = field(default_factory=list)
    virtual_clock: bool = False
    setup: list[str] = field(default_factory=list)
    region: str = DEFAULT_REGION
    account_id: str = DEFAULT_ACCOUNT
    # AWS services (boto3 names) served by real AWS instead of moto: only when the operator asks.
    real_services: list[str] = field(default_factory=list)
    # HTTP Tasks may call any host: only when the operator asks.
    real_http: bool = False
    # Otherwise only these host:port addresses, none by default: a definition anyone can send
    # here must not reach the machine's own loopback services (this server's port included).
    http_allow: list[str] = field(default_factory=list)
    # A Step Functions Local mock config (StateMachines / MockedResponses), already read.
    mock_config: dict[str, Any] | None = None


class LocalBackend:
    """The engine and its services, shared by every request the server handles."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.runtime = LocalRuntime(
            real_time=not config.virtual_clock,
            activity_modules=config.activity_modules,
            setup=config.setup,
            region=config.region,
            account_id=config.account_id,
            real_services=config.real_services,
            real_http=config.real_http,
            http_allow=config.http_allow,
            mock_config=config.mock_config,
        )
        self.engine = self.runtime.engine
        self.dynamodb = self.runtime.dynamodb
        self.client = self.runtime.client
        self.activities = self.runtime.activities

    def close(self) -> None:
        self.runtime.close()

    def step_functions(self, target: str | None, body: bytes) -> Response:
        return dispatch(self.engine, target, body)

    def dynamodb_request(self, target: str, body: bytes) -> Response:
        """Serve a DynamoDB JSON request from the in-process table store."""
        action = target[len(DYNAMODB_TARGET_PREFIX) :]
        if action not in _DYNAMODB_ACTIONS:
            return error_response(
                "UnknownOperationException", f"DynamoDB {action} is not served by durable-sfn serve"
            )
        try:
            params = parse_body(body)
        except ProtocolError as exc:
            return error_response(exc.code, exc.message, exc.status)
        try:
            result = self.dynamodb._make_api_call(action, params)
        except Exception as exc:
            response = getattr(exc, "response", None)
            if isinstance(response, dict) and "Error" in response:
                error = response["Error"]
                status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400))
                return error_response(str(error.get("Code")), str(error.get("Message", "")), status)
            return error_response("ValidationException", f"{type(exc).__name__}: {exc}")
        result.pop("ResponseMetadata", None)
        return Response(200, _wire(result))

    def management(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        body: bytes,
        base_url: str,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        return handle(self.client, method, path, query, body, base_url, headers)


def _wire(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


@cache
def _loopback_hosts() -> frozenset[str]:
    return frozenset({"127.0.0.1", "localhost", "::1"})


def is_loopback(host: str) -> bool:
    return host in _loopback_hosts() or host.startswith("127.")


def describe(config: ServerConfig, activities: Iterable[str], entities: Iterable[str] = ()) -> str:
    names = ", ".join(sorted(activities)) or "none"
    clock = "virtual" if config.virtual_clock else "real"
    text = (
        f"durable-sfn serve: Step Functions API at http://{config.host}:{config.port} ({clock} clock)\n"
        f"  management API: http://{config.host}:{config.port}{MANAGEMENT_PREFIX}\n"
        f"  activities: {names}"
    )
    hosted = sorted(entities)
    return text + (f"\n  entities: {', '.join(hosted)}" if hosted else "")
