"""The management API on AWS: an API Gateway (REST, proxy integration) Lambda handler.

Deployed by `durable_sfn.cdk.management_api.ManagementApi`. Configuration comes from the
environment the construct sets:

- `DURABLE_SFN_STATE_MACHINES`: JSON object, orchestrator name -> state machine ARN (only these
  can be started, listed and managed, and no ListStateMachines permission is needed);
- `DURABLE_SFN_EVENTS_TABLE`: the external-event table;
- `DURABLE_SFN_ENTITIES_TABLE`, `DURABLE_SFN_ENTITIES_QUEUE_URL`: the entities' table and signal
  queue, for the `/entities/...` routes (they answer 400 naming the variable when it is unset).

Only boto3 (present in the Lambda runtime) and the standard library are imported.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from durable_sfn.client import OrchestrationClient
from durable_sfn.server.management import handle

STATE_MACHINES_ENV = "DURABLE_SFN_STATE_MACHINES"

_client: OrchestrationClient | None = None


def _orchestration_client() -> OrchestrationClient:
    global _client
    if _client is None:
        import boto3

        machines = json.loads(os.environ.get(STATE_MACHINES_ENV) or "{}")
        _client = OrchestrationClient(
            boto3.client("stepfunctions"), dynamodb=boto3.client("dynamodb"), name_to_arn=dict(machines)
        )
    return _client


def base_url(event: dict[str, Any]) -> str:
    """The public URL prefix the API was called through (custom domain or execute-api + stage)."""
    context = event.get("requestContext") or {}
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    host = headers.get("host") or context.get("domainName") or "localhost"
    stage = context.get("stage")
    # On the default execute-api domain the stage is part of the path; on a custom domain it is not.
    if stage and stage != "$default" and ".execute-api." in host:
        return f"https://{host}/{stage}"
    return f"https://{host}"


def handler(event: dict[str, Any], context: Any, client: OrchestrationClient | None = None) -> dict[str, Any]:
    """API Gateway proxy event in, proxy response out."""
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")
    answer = handle(
        client or _orchestration_client(),
        str(event.get("httpMethod") or "GET"),
        str(event.get("path") or "/"),
        {k: str(v) for k, v in (event.get("queryStringParameters") or {}).items()},
        raw,
        base_url(event),
        {k: str(v) for k, v in (event.get("headers") or {}).items()},
    )
    return {
        "statusCode": answer.status,
        "headers": {"Content-Type": "application/json", **answer.headers},
        "body": answer.encoded().decode("utf-8"),
    }
