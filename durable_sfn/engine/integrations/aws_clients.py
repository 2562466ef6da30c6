"""Where an engine's AWS clients come from: only from whoever created the engine.

A definition's `aws-sdk` and optimized Tasks (and a Distributed Map's S3 ItemReader and
ResultWriter) call AWS services through boto3 clients. An engine makes none on its own: a
`LocalStepFunctions` given no `aws_client_factory` refuses those states with States.Runtime,
naming the state and how to give clients, even while moto is active in the process (moto is a
process-wide patch, so "moto is active" says nothing about what this engine's owner wants; and
a boto3 client made without moto reaches real AWS with whatever credentials are around).

`MotoClients` is the factory for moto's services: it makes plain boto3 clients, and the engine
checks on every use that moto still intercepts boto3, so a client made while moto was active
never reaches real AWS after moto stops. The local runtime (`durable-sfn run`, `serve`) and
`run_local` give their engines `MotoClients`; real AWS is `aws_client_factory=boto3.client`
(or any callable from a boto3 service name to a client).
"""

from __future__ import annotations

from typing import Any, Protocol

from durable_sfn._aws import DEFAULT_REGION
from durable_sfn.engine import errors
from durable_sfn.engine.integrations.base import TaskFailure

HOW_TO_GIVE_CLIENTS = (
    "give the engine clients explicitly: LocalStepFunctions(aws_client_factory=MotoClients()) "
    "for moto's services (inside moto's mock_aws), or aws_client_factory=boto3.client for real AWS; "
    "durable-sfn run, durable-sfn serve and run_local give their engines moto's clients"
)


class AwsClients(Protocol):
    """Where boto3 clients come from (moto's in tests, the real services on request)."""

    def aws_client(self, service: str, state: str) -> Any:
        """The client for boto3 service `service`, which state `state` is about to call."""
        ...


class MotoClients:
    """`aws_client_factory` for moto's services: boto3 clients, used only while moto is active."""

    def __init__(self, region: str = DEFAULT_REGION) -> None:
        self.region = region

    def __call__(self, service: str) -> Any:
        import boto3

        return boto3.client(service, region_name=self.region)  # type: ignore[call-overload]


def moto_active() -> bool:
    """Whether moto intercepts boto3 in this process right now."""
    try:
        from moto.core.models import botocore_stubber
    except ImportError:  # moto is an optional extra of the library
        return False
    return bool(botocore_stubber.enabled)


def no_clients(service: str, state: str) -> TaskFailure:
    """The failure of a state that needs an AWS client from an engine that was given none."""
    return TaskFailure(
        errors.RUNTIME,
        f"State '{state}' calls AWS service '{service}', but this local engine was given no AWS "
        f"clients, so it calls no AWS service: {HOW_TO_GIVE_CLIENTS}.",
    )


def require_moto(service: str, state: str) -> None:
    """Refuse a call through `MotoClients` unless moto intercepts boto3 in this process."""
    if not moto_active():
        raise TaskFailure(
            errors.RUNTIME,
            f"State '{state}' calls AWS service '{service}' through moto's clients (MotoClients), but "
            "moto is not active in this process, so the call would reach real AWS: start moto "
            "(mock_aws) around the run, or give the engine real clients (aws_client_factory=boto3.client).",
        )
