"""What OrchestrationClient returns: instance status records and the client's errors.

Kept apart from the client so that the CLI, the HTTP servers and the management Lambda share
one translation from Step Functions descriptions to Durable-style status.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from durable_sfn._aws import client_error_code

CUSTOM_STATUS_VARIABLE = "customStatus"

# Step Functions status -> Durable Functions runtime status.
RUNTIME_STATUS = {
    "RUNNING": "Running",
    "SUCCEEDED": "Completed",
    "FAILED": "Failed",
    "TIMED_OUT": "Failed",
    "ABORTED": "Terminated",
    "PENDING_REDRIVE": "Pending",
}


class OrchestrationClientError(RuntimeError):
    """A client call could not be carried out; the message says why and what to do."""


class InstanceNotFoundError(OrchestrationClientError):
    """No execution with that ARN or name exists."""


class InstanceNotRunningError(OrchestrationClientError):
    """The instance has ended, so it cannot receive events."""


class OrchestratorNotFoundError(OrchestrationClientError):
    """No state machine has that orchestrator name (or ARN)."""


class InstanceAlreadyExistsError(OrchestrationClientError):
    """An instance with that id exists already (a different input, or it has ended)."""


class InstanceNotRedrivableError(OrchestrationClientError):
    """Step Functions refuses to redrive (rewind) the instance; the message gives AWS's reason."""


@dataclass(frozen=True)
class OrchestrationStatus:
    """One instance, Durable style (`runtime_status`) with the Step Functions facts kept too."""

    instance_id: str  # the execution ARN
    name: str  # the execution name
    orchestrator: str  # the state machine name
    runtime_status: str  # Running, Completed, Failed, Terminated, Pending
    status: str  # the Step Functions status: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED
    created_time: datetime
    last_updated_time: datetime
    input: Any = None
    output: Any = None
    custom_status: Any = None
    error: str | None = None
    cause: str | None = None

    @property
    def done(self) -> bool:
        return self.status != "RUNNING"

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict with camelCase keys, as Durable's HTTP status API returns them."""
        data = asdict(self)
        return {
            "instanceId": data["instance_id"],
            "name": data["name"],
            "orchestrator": data["orchestrator"],
            "runtimeStatus": data["runtime_status"],
            "status": data["status"],
            "input": data["input"],
            "output": data["output"],
            "customStatus": data["custom_status"],
            "createdTime": _iso(self.created_time),
            "lastUpdatedTime": _iso(self.last_updated_time),
            "error": data["error"],
            "cause": data["cause"],
        }


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError (or engine error), else the class name."""
    return client_error_code(exc) or type(exc).__name__


def _json_or_none(text: Any) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def status_from_description(
    description: dict[str, Any],
    *,
    custom_status: Any = None,
    last_event_time: datetime | None = None,
    show_input: bool = True,
) -> OrchestrationStatus:
    """Build a status from DescribeExecution output (or a ListExecutions item)."""
    arn = str(description["executionArn"])
    machine_arn = str(description.get("stateMachineArn", ""))
    status = str(description["status"])
    created = description["startDate"]
    updated = description.get("stopDate") or last_event_time or created
    return OrchestrationStatus(
        instance_id=arn,
        name=str(description.get("name") or arn.rsplit(":", 1)[-1]),
        orchestrator=machine_arn.rsplit(":", 1)[-1] if machine_arn else arn.split(":")[-2],
        runtime_status=RUNTIME_STATUS.get(status, status.title()),
        status=status,
        created_time=created,
        last_updated_time=updated,
        input=_json_or_none(description.get("input")) if show_input else None,
        output=_json_or_none(description.get("output")),
        custom_status=custom_status,
        error=description.get("error") or ("States.Timeout" if status == "TIMED_OUT" else None),
        cause=description.get("cause"),
    )


def custom_status_from_history(event: dict[str, Any]) -> tuple[bool, Any]:
    """(found, value) of a `customStatus` assignment recorded in one history event.

    AWS records Assign results as `assignedVariables` (name -> JSON text) in the
    `stateExitedEventDetails` of the state that assigned them; any details block is searched so
    that other event kinds carrying assignments are read the same way.
    """
    for key, details in event.items():
        if not key.endswith("EventDetails") or not isinstance(details, dict):
            continue
        assigned = details.get("assignedVariables")
        if isinstance(assigned, dict) and CUSTOM_STATUS_VARIABLE in assigned:
            return True, _json_or_none(assigned[CUSTOM_STATUS_VARIABLE])
    return False, None


_DURABLE_TO_SFN = {
    "running": "RUNNING",
    "completed": "SUCCEEDED",
    "failed": "FAILED",
    "terminated": "ABORTED",
    "timedout": "TIMED_OUT",
    "pending": "PENDING_REDRIVE",
}
_SFN_STATUSES = {"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"}


def status_filter(status: str | None) -> str | None:
    """A Step Functions statusFilter from a Step Functions or Durable status name."""
    if status is None:
        return None
    if status.upper() in _SFN_STATUSES:
        return status.upper()
    mapped = _DURABLE_TO_SFN.get(status.lower().replace("_", ""))
    if mapped is None:
        raise OrchestrationClientError(
            f"unknown status {status!r}: use one of {sorted(_SFN_STATUSES)} or Running, Completed, Failed, Terminated"
        )
    return mapped


def aware(value: datetime) -> datetime:
    """Naive datetimes (some SDK paths) are UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
