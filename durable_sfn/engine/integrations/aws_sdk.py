"""AWS SDK (`aws-sdk:service:action`) and optimized (dynamodb, sns, sqs, s3, ...) integrations via boto3.

Requests use the API's own parameter names (as Step Functions does); results are the API
response without boto3's ResponseMetadata, made JSON-safe (timestamps as ISO text, streams
read as text). Service errors are named like AWS names them: `<Service>.<ErrorCode>` with
Step Functions' service prefix (`DynamoDB.ConditionalCheckFailedException`,
`S3.NoSuchKeyException` for aws-sdk, ...).
"""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from durable_sfn.engine import errors
from durable_sfn.engine.integrations.base import Integration, TaskFailure


class AwsClients(Protocol):
    """Where boto3 clients come from (moto's in tests, the real services on request)."""

    def aws_client(self, service: str) -> Any: ...


# Optimized integrations: service name -> (boto3 service, error prefix).
_OPTIMIZED = {
    "dynamodb": ("dynamodb", "DynamoDB"),
    "sns": ("sns", "SNS"),
    "sqs": ("sqs", "SQS"),
    "s3": ("s3", "S3"),
    "events": ("events", "EventBridge"),
    "ses": ("ses", "SES"),
}

# aws-sdk service names whose boto3 name differs.
_BOTO_NAME = {"sfn": "stepfunctions", "eventbridge": "events", "cloudwatchlogs": "logs"}


def _snake(action: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", action).replace("-", "_").lower()


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode()
        except UnicodeDecodeError:
            return base64.b64encode(bytes(value)).decode()
    if hasattr(value, "read"):
        data = value.read()
        return data.decode() if isinstance(data, bytes) else data
    if isinstance(value, set):
        return [_json_safe(v) for v in sorted(value, key=str)]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _prepare(service: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
    """Step Functions serialises JSON bodies for the optimized messaging integrations."""
    out = dict(params)
    if service == "sqs" and action == "sendMessage" and not isinstance(out.get("MessageBody"), str):
        out["MessageBody"] = json.dumps(out.get("MessageBody"), separators=(",", ":"))
    if service == "sns" and action == "publish" and not isinstance(out.get("Message"), str):
        out["Message"] = json.dumps(out.get("Message"), separators=(",", ":"))
    if (
        service == "s3"
        and action == "putObject"
        and "Body" in out
        and not isinstance(out["Body"], str | bytes)
    ):
        out["Body"] = json.dumps(out["Body"], separators=(",", ":"))
    return out


def call(services: AwsClients, integration: Integration, params: Any) -> Any:
    if integration.service.startswith("aws-sdk:"):
        sdk_name = integration.service.split(":", 1)[1]
        boto_name = _BOTO_NAME.get(sdk_name, sdk_name)
        prefix = sdk_name[:1].upper() + sdk_name[1:]
        service_key = sdk_name
    elif integration.service in _OPTIMIZED:
        boto_name, prefix = _OPTIMIZED[integration.service]
        service_key = integration.service
    else:
        raise TaskFailure(
            errors.RUNTIME,
            f"The Resource '{integration.resource}' names an integration the local engine does not provide.",
        )
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise TaskFailure(errors.RUNTIME, f"The arguments of '{integration.resource}' must be a JSON object.")
    client = services.aws_client(boto_name)
    method_name = _snake(integration.action)
    method = getattr(client, method_name, None)
    if method is None:
        raise TaskFailure(
            errors.RUNTIME,
            f"The action '{integration.action}' does not exist for service '{boto_name}' (boto3 method {method_name}).",
        )
    try:
        response = method(**_prepare(service_key, integration.action, params))
    except Exception as exc:
        raise _failure(exc, prefix) from None
    return _json_safe(response)


def _failure(exc: Exception, prefix: str) -> TaskFailure:
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        code = str(response["Error"].get("Code", "Unknown"))
        message = str(response["Error"].get("Message", ""))
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
        request_id = response.get("ResponseMetadata", {}).get("RequestId", "")
        name = code if code.endswith("Exception") or prefix != "S3" else f"{code}Exception"
        return TaskFailure(
            f"{prefix}.{name}",
            f"{message} (Service: {prefix}, Status Code: {status}, Error Code: {code}, Request ID: {request_id})",
        )
    # Parameter validation and other client-side errors.
    return TaskFailure(f"{prefix}.{type(exc).__name__}", str(exc))
