"""The orchestrator's log records, read from an execution history.

A compiled orchestrator writes what it logs (`logging.info(...)`, `logger.warning(...)`,
`print(...)`) as assignments of a reserved variable, `orchestratorLog` (`orchestratorLog2`,
`orchestratorLog3`, ... inside Map iterations and Parallel branches), whose value is a list of
records `{"level", "logger", "message"}`. Step Functions keeps every assignment in the history
(`assignedVariables` of the state's Exited event), so the records read back here in the order
they were written, from AWS, `durable-sfn serve` or the local engine alike.

>>> [str(r) for r in log_records(events)]  # doctest: +SKIP
['INFO orders: charging order-1', 'print: done']
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

LOG_VARIABLE = "orchestratorLog"
_LOG_VARIABLE = re.compile(r"^orchestratorLog(?:[2-9]|[1-9][0-9]+)?$")


@dataclass(frozen=True)
class LogRecord:
    """One record an orchestrator logged: its level (`PRINT` for `print()`), logger and message."""

    level: str
    logger: str | None
    message: str

    def __str__(self) -> str:
        if self.level == "PRINT":
            return f"print: {self.message}"
        return f"{self.level} {self.logger}: {self.message}"


def is_log_variable(name: str) -> bool:
    return bool(_LOG_VARIABLE.match(name))


def records_in_event(event: Mapping[str, Any]) -> list[LogRecord]:
    """The log records one history event carries (none for most events)."""
    found: list[LogRecord] = []
    for key, details in event.items():
        if not key.endswith("EventDetails") or not isinstance(details, Mapping):
            continue
        assigned = details.get("assignedVariables")
        if not isinstance(assigned, Mapping):
            continue
        for name, text in assigned.items():
            if is_log_variable(name):
                found.extend(_parse(text))
    return found


def log_records(events: Iterable[Mapping[str, Any]]) -> list[LogRecord]:
    """Every log record of an execution history, oldest first."""
    return [record for event in events for record in records_in_event(event)]


def _parse(text: Any) -> list[LogRecord]:
    try:
        value = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return []
    if not isinstance(value, list):
        return []
    out = []
    for item in value:
        if isinstance(item, Mapping) and isinstance(item.get("message"), str):
            logger = item.get("logger")
            out.append(
                LogRecord(
                    str(item.get("level", "INFO")),
                    logger if isinstance(logger, str) else None,
                    item["message"],
                )
            )
    return out
