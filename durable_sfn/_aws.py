"""Facts about AWS that several parts of durable_sfn rely on, each stated once. Imports nothing of ours.

- the account and region a local run pretends to be in (what moto and boto3's examples use);
- the ARNs durable_sfn makes up for local state machines, executions, functions and roles;
- the `${Name}` placeholder grammar: compiled definitions name the functions and state machines
  they call as placeholders, which CloudFormation (DefinitionSubstitutions) fills on AWS and
  `durable_sfn.asl.substitute_placeholders` fills locally;
- the Task `Resource` ARNs of the service integrations compiled definitions use;
- how to read the error code of a botocore `ClientError` (the local engine raises the same shape).
"""

from __future__ import annotations

import re

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"


# -- ARNs ------------------------------------------------------------------------------------


def state_machine_arn(name: str, *, region: str = DEFAULT_REGION, account: str = DEFAULT_ACCOUNT) -> str:
    return f"arn:aws:states:{region}:{account}:stateMachine:{name}"


def execution_arn(
    state_machine: str, name: str, *, region: str = DEFAULT_REGION, account: str = DEFAULT_ACCOUNT
) -> str:
    """The ARN of execution `name` of a Standard state machine."""
    return f"arn:aws:states:{region}:{account}:execution:{state_machine}:{name}"


def express_execution_arn(
    state_machine: str,
    name: str,
    run_id: str,
    *,
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
) -> str:
    """The ARN of an Express execution: names may repeat, so a run id ends it."""
    return f"arn:aws:states:{region}:{account}:express:{state_machine}:{name}:{run_id}"


def lambda_function_arn(name: str, *, region: str = DEFAULT_REGION, account: str = DEFAULT_ACCOUNT) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


def connection_arn(name: str, *, region: str = DEFAULT_REGION, account: str = DEFAULT_ACCOUNT) -> str:
    """An EventBridge connection's ARN (the local stand-in has a fixed id)."""
    return f"arn:aws:events:{region}:{account}:connection/{name}/00000000-0000-0000-0000-000000000000"


def role_arn(name: str, *, account: str = DEFAULT_ACCOUNT) -> str:
    """An IAM role's ARN (IAM is global: no region)."""
    return f"arn:aws:iam::{account}:role/{name}"


# -- `${Name}` placeholders ------------------------------------------------------------------

# Any name made of letters, digits, '_', '-' and '.'. Names durable_sfn emits are narrower (a letter
# first, no '.'), but a definition written by hand may use the rest, and a placeholder the
# construct did not recognise must be reported, not deployed as literal text.
PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_.\-]+)\}")

# The placeholders durable_sfn itself puts in definitions, besides activity, entity and
# orchestrator names: the built-in external-event waiter function and the entities' signal queue.
EVENT_WAITER = "DurableEventWaiter"
ENTITIES_QUEUE_URL = "DurableEntitiesQueueUrl"
# The EventBridge connection of HTTP Tasks (`ctx.call_http`): its ARN, given or created on deploy.
HTTP_CONNECTION = "DurableHttpConnection"


def placeholder(name: str) -> str:
    """`${name}`, as a definition refers to a value filled in on deployment."""
    return "${" + name + "}"


def placeholder_name(text: object) -> str | None:
    """`Name` if `text` is exactly one `${Name}` placeholder, else None."""
    match = PLACEHOLDER.fullmatch(text) if isinstance(text, str) else None
    return match.group(1) if match else None


# -- Task resources of service integrations ----------------------------------------------------

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
LAMBDA_INVOKE_WAIT_FOR_TOKEN = "arn:aws:states:::lambda:invoke.waitForTaskToken"
SQS_SEND_MESSAGE = "arn:aws:states:::sqs:sendMessage"
START_EXECUTION = "arn:aws:states:::states:startExecution"
START_EXECUTION_SYNC = "arn:aws:states:::states:startExecution.sync:2"
HTTP_INVOKE = "arn:aws:states:::http:invoke"


# -- errors -----------------------------------------------------------------------------------


def client_error_code(exc: BaseException) -> str | None:
    """The `Error.Code` of a botocore `ClientError` (or of a local engine error, which has the same
    `response`); None for any other exception."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    error = response.get("Error")
    code = error.get("Code") if isinstance(error, dict) else None
    return str(code) if code else None
