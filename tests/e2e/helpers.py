"""Reading an execution's history the way a client does on AWS (custom status over time)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from durable_sfn._aws import execution_arn
from durable_sfn.engine.api.client import LocalStepFunctions
from durable_sfn.engine.clock import VirtualClock
from durable_sfn.testing.results import DEFAULT_EXECUTION_NAME, DEFAULT_START


def engine() -> LocalStepFunctions:
    return LocalStepFunctions(clock=VirtualClock(DEFAULT_START))


def history(
    sfn: LocalStepFunctions, orchestrator_name: str, name: str = DEFAULT_EXECUTION_NAME
) -> list[dict[str, Any]]:
    arn = execution_arn(orchestrator_name, name)
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**kwargs)
        events.extend(page["events"])
        if not page.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextToken"]


def custom_statuses(events: list[dict[str, Any]]) -> list[Any]:
    """Every value assigned to `customStatus`, in order (what a polling client could have seen)."""
    values = []
    for event in events:
        for key, details in event.items():
            if key.endswith("EventDetails") and isinstance(details, dict):
                assigned = details.get("assignedVariables") or {}
                if "customStatus" in assigned:
                    value = assigned["customStatus"]
                    values.append(json.loads(value) if isinstance(value, str) else value)
    return values


def elapsed_seconds(events: list[dict[str, Any]]) -> float:
    first: datetime = events[0]["timestamp"]
    last: datetime = events[-1]["timestamp"]
    return (last - first).total_seconds()
