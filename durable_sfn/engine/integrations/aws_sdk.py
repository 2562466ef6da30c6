"""AWS SDK (`aws-sdk:service:action`) and optimized (dynamodb, sns, sqs, s3, ...) integrations via boto3.

Requests use the API's own parameter names (as Step Functions does); results are the API
response without boto3's ResponseMetadata, made JSON-safe (timestamps as ISO text, streams
read as text). Service errors are named like AWS names them: `<Service>.<ErrorCode>` with
Step Functions' service prefix (`DynamoDB.ConditionalCheckFailedException`,
`S3.NoSuchKeyException` for aws-sdk, ...).

A definition names the service and action, so both are data from whoever wrote it: the service
must be one botocore knows and the action an operation of that service's model, and only then
is the client's method for that operation called (a name like `__init__` or `_make_api_call`
never reaches `getattr`). Where the clients come from is the engine's business
(`aws_clients`): only from whoever created it.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from botocore import xform_name

from durable_sfn.engine import errors
from durable_sfn.engine.integrations.aws_clients import AwsClients
from durable_sfn.engine.integrations.base import Integration, TaskFailure

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


# An aws-sdk action as Step Functions spells it: the API operation with a lower-case first letter.
_ACTION = re.compile(r"^[a-z][A-Za-z0-9]*$")
_SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


@cache
def _known_services() -> frozenset[str]:
    import botocore.session

    return frozenset(botocore.session.get_session().get_available_services())


def known_service(name: str) -> bool:
    """Whether botocore has a model for service `name` (a boto3 client name)."""
    return bool(_SERVICE_NAME.match(name)) and name in _known_services()


def operation_name(client: Any, action: str) -> str | None:
    """The model's operation for a Step Functions action name (`getObject` -> `GetObject`), or None."""
    if not _ACTION.match(action):
        return None
    wanted = action[:1].upper() + action[1:]
    names = client.meta.service_model.operation_names
    if wanted in names:
        return wanted
    # A few operations keep an upper-case run the action lowers (e.g. `listObjectsV2`).
    folded = {name.lower(): name for name in names}
    return folded.get(wanted.lower())


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


def call(services: AwsClients, integration: Integration, params: Any, state: str) -> Any:
    """Call the API operation `integration` names with `params`, for state `state`."""
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
    if not known_service(boto_name):
        raise TaskFailure(
            errors.RUNTIME,
            f"The Resource '{integration.resource}' names service '{sdk_name_of(integration)}', which the AWS SDK does not have.",
        )
    client = services.aws_client(boto_name, state)
    operation = operation_name(client, integration.action)
    if operation is None:
        raise TaskFailure(
            errors.RUNTIME,
            f"The action '{integration.action}' does not exist for service '{boto_name}'.",
        )
    # The operation comes from the service model, so the attribute is one of its API methods.
    method = getattr(client, xform_name(operation))
    try:
        response = method(**_prepare(service_key, integration.action, params))
    except Exception as exc:
        raise _failure(exc, prefix) from None
    return _json_safe(response)


def sdk_name_of(integration: Integration) -> str:
    return integration.service.split(":", 1)[1] if ":" in integration.service else integration.service


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
