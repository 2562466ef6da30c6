"""What `ctx.call_http` needs on AWS: an EventBridge connection and the role's HTTP grants.

An HTTP Task authenticates through an EventBridge connection ("Call HTTPS APIs in Step Functions
workflows"): the Orchestration takes one (`http_connection=`) or creates one with API-key
authorization whose key is a generated Secrets Manager secret (set the real key there and
deploy again: EventBridge keeps its own copy of the credentials). The role gets what that page
lists for running HTTP Tasks, no more:

- `states:InvokeHTTPEndpoint` on the state machine, conditioned on `states:HTTPMethod` (the
  methods the definition uses) and `states:HTTPEndpoint` (the URL patterns of `http_endpoints=`);
- `events:RetrieveConnectionCredentials` on the connection;
- `secretsmanager:GetSecretValue` and `secretsmanager:DescribeSecret` on the connection's secret.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from durable_sfn._aws import HTTP_CONNECTION, HTTP_INVOKE
from durable_sfn.cdk._private import nag
from durable_sfn.cdk._private.analysis import iter_states
from durable_sfn.cdk._private.errors import OrchestrationConfigError

API_KEY_HEADER = "x-api-key"


def http_states(definition: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [state for _, state in iter_states(definition) if state.get("Resource") == HTTP_INVOKE]


def _methods(states: list[Mapping[str, Any]]) -> list[str] | None:
    """The literal methods of the HTTP Tasks, or None when one is computed (no method condition)."""
    methods: set[str] = set()
    for state in states:
        arguments = state.get("Arguments") or state.get("Parameters") or {}
        method = arguments.get("Method") if isinstance(arguments, Mapping) else None
        if not isinstance(method, str) or method.startswith("{%"):
            return None
        methods.add(method)
    return sorted(methods)


def provision_http(
    scope: Construct,
    definition: Mapping[str, Any],
    *,
    role: iam.IRole,
    state_machine_arn: str,
    connection: events.IConnection | None,
    endpoints: Sequence[str] | None,
    where: str,
) -> dict[str, str]:
    """Grant the role the HTTP Tasks of `definition` and return the connection's substitution."""
    states = http_states(definition)
    if not states:
        if connection is not None or endpoints:
            raise OrchestrationConfigError(
                f"{where}: http_connection/http_endpoints were given, but the orchestrator never calls "
                "ctx.call_http: leave them out"
            )
        return {}
    patterns = list(endpoints or ())
    if not patterns or not all(isinstance(p, str) and p for p in patterns):
        raise OrchestrationConfigError(
            f"{where}: the orchestrator calls ctx.call_http: give http_endpoints=[...], the URL patterns "
            "the state machine may call (e.g. 'https://api.example.com/*', including the Location URLs "
            "a 202 answer points to); the role may invoke those endpoints only"
        )
    if connection is None:
        secret = secretsmanager.Secret(
            scope,
            "HttpApiKey",
            description=f"API key the HTTP calls of {where} send in the {API_KEY_HEADER} header",
            generate_secret_string=secretsmanager.SecretStringGenerator(exclude_punctuation=True),
        )
        nag.acknowledge(
            secret,
            "AwsSolutions-SMG4",
            "the key belongs to the called API: it is rotated there and set here, not by a rotation Lambda",
        )
        connection = events.Connection(
            scope,
            "HttpConnection",
            description=f"Credentials of the HTTP calls of {where}",
            authorization=events.Authorization.api_key(API_KEY_HEADER, secret.secret_value),
        )
    conditions: dict[str, Any] = {"StringLike": {"states:HTTPEndpoint": patterns}}
    methods = _methods(states)
    if methods is not None:
        conditions["StringEquals"] = {"states:HTTPMethod": methods}
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["states:InvokeHTTPEndpoint"], resources=[state_machine_arn], conditions=conditions
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["events:RetrieveConnectionCredentials"], resources=[connection.connection_arn]
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            resources=[connection.connection_secret_arn],
        )
    )
    return {HTTP_CONNECTION: connection.connection_arn}
