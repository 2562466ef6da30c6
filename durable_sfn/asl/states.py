"""Per-state structure checks: which fields each state type accepts in each query language.

JSONPath states take InputPath/Parameters/ResultSelector/ResultPath/OutputPath; JSONata states
take Arguments/Output instead, and accept `{% %}` expressions where JSONPath states need
literals or `...Path` fields. A field of the other language is a mistake AWS rejects, so it is
reported with the replacement to use.
"""

from __future__ import annotations

from typing import Any

from durable_sfn._aws import placeholder_name
from durable_sfn.asl.diagnostics import INVALID_RESOURCE, Collector
from durable_sfn.asl.jsonata_syntax import check_jsonata_syntax
from durable_sfn.asl.rules import (
    MAX_INT,
    check_catch,
    check_choice_rules,
    check_reference_path,
    check_retry,
    is_jsonata,
)
from durable_sfn.asl.templates import check_assign, check_template

__all__ = ["JSONATA_ONLY", "JSONPATH_ONLY", "STATE_TYPES", "check_state"]

_COMMON = {"Type", "Comment", "QueryLanguage"}
JSONPATH_ONLY = {
    "InputPath",
    "OutputPath",
    "Parameters",
    "ResultPath",
    "ResultSelector",
    "ItemsPath",
    "SecondsPath",
    "TimestampPath",
    "ErrorPath",
    "CausePath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
    "Iterator",
    "Result",
}
JSONATA_ONLY = {"Arguments", "Output", "Items"}
_JSONATA_REPLACEMENT = {
    "InputPath": "Arguments or Output",
    "Parameters": "Arguments",
    "ResultSelector": "Output",
    "ResultPath": "Output or Assign",
    "OutputPath": "Output",
    "ItemsPath": "Items",
    "SecondsPath": "Seconds with a JSONata expression",
    "TimestampPath": "Timestamp with a JSONata expression",
    "Result": "Output",
}

_FIELDS: dict[str, set[str]] = {
    "Pass": {"Next", "End", "Assign", "InputPath", "OutputPath", "Parameters", "ResultPath", "Result", "Output"},
    "Task": {
        "Resource", "Next", "End", "Assign", "Retry", "Catch", "TimeoutSeconds", "TimeoutSecondsPath",
        "HeartbeatSeconds", "HeartbeatSecondsPath", "Credentials", "InputPath", "OutputPath", "Parameters",
        "ResultPath", "ResultSelector", "Arguments", "Output",
    },
    "Choice": {"Choices", "Default", "Assign", "InputPath", "OutputPath", "Output"},
    "Wait": {"Next", "End", "Assign", "Seconds", "Timestamp", "SecondsPath", "TimestampPath", "InputPath", "OutputPath", "Output"},
    "Succeed": {"InputPath", "OutputPath", "Output"},
    "Fail": {"Error", "Cause", "ErrorPath", "CausePath"},
    "Parallel": {
        "Branches", "Next", "End", "Assign", "Retry", "Catch", "InputPath", "OutputPath", "Parameters",
        "ResultPath", "ResultSelector", "Arguments", "Output",
    },
    "Map": {
        "ItemProcessor", "Iterator", "ItemsPath", "Items", "ItemSelector", "Parameters", "MaxConcurrency",
        "MaxConcurrencyPath", "ItemReader", "ItemBatcher", "ResultWriter", "ToleratedFailureCount",
        "ToleratedFailureCountPath", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "Label",
        "Retry", "Catch", "Next", "End", "Assign", "InputPath", "OutputPath", "ResultPath", "ResultSelector",
        "Output", "Arguments",
    },
}  # fmt: skip
STATE_TYPES = frozenset(_FIELDS)
_TRANSITIONING = {"Pass", "Task", "Wait", "Parallel", "Map"}
_REFERENCE_PATH_FIELDS = (
    "SecondsPath",
    "TimestampPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
)


def check_state(out: Collector, name: str, state: Any, jsonata: bool, loc: tuple[str | int, ...]) -> None:
    """Check one state's fields; nested Branches/ItemProcessor are walked by the caller."""
    if not isinstance(state, dict):
        out.schema(f"State '{name}' must be an object", *loc)
        return
    kind = state.get("Type")
    if kind not in _FIELDS:
        if "Type" not in state:
            out.schema("These fields are required: [Type]", *loc)
        else:
            out.schema(f"Unknown state type {kind!r}; use one of {', '.join(sorted(_FIELDS))}", *loc, "Type")
        return
    language = state.get("QueryLanguage")
    if language is not None and language not in ("JSONPath", "JSONata"):
        out.schema("'QueryLanguage' must be JSONPath or JSONata", *loc, "QueryLanguage")
    for key in state:
        if key in _COMMON:
            continue
        if key not in _FIELDS[kind]:
            out.schema(f"Field '{key}' is not supported by a {kind} state", *loc, key)
        elif jsonata and key in JSONPATH_ONLY:
            hint = _JSONATA_REPLACEMENT.get(key)
            use = f"; use {hint}" if hint else ""
            out.schema(f"Field '{key}' is not supported in JSONata states{use}", *loc, key)
        elif not jsonata and key in JSONATA_ONLY:
            out.schema(
                f'Field \'{key}\' is only supported in JSONata states (set "QueryLanguage": "JSONata")',
                *loc,
                key,
            )
    _check_transition(out, kind, state, loc)
    if jsonata:
        check_jsonata_syntax(out, state, loc)
    if "Assign" in state:
        check_assign(out, state["Assign"], jsonata, *loc, "Assign")
    if not jsonata:
        for key in ("Parameters", "ResultSelector", "ItemSelector"):
            if key in state:
                check_template(out, state[key], *loc, key)
    if "Retry" in state:
        check_retry(out, state["Retry"], loc)
    if "Catch" in state:
        check_catch(out, state["Catch"], jsonata, loc)
    checker = _SPECIFIC.get(kind)
    if checker is not None:
        checker(out, state, jsonata, loc)
    for key in ("InputPath", "OutputPath", "ResultPath", "ItemsPath", "SecondsPath", "TimestampPath"):
        value = state.get(key)
        if key in state and value is not None and not (isinstance(value, str) and value.startswith("$")):
            out.schema(f"'{key}' must be a path starting with '$' or null", *loc, key)
    if isinstance(state.get("ResultPath"), str):
        check_reference_path(out, state["ResultPath"], *loc, "ResultPath", context=False)
    for key in _REFERENCE_PATH_FIELDS:
        if isinstance(state.get(key), str):
            check_reference_path(out, state[key], *loc, key)


def _check_transition(out: Collector, kind: str, state: dict[str, Any], loc: tuple[str | int, ...]) -> None:
    if kind not in _TRANSITIONING:
        return
    has_next, end = "Next" in state, state.get("End")
    if "End" in state and end is not True:
        out.schema("'End' must be true when present", *loc, "End")
    if has_next and end is True:
        out.schema("A state cannot have both 'Next' and 'End'", *loc)
    elif not has_next and end is not True:
        out.schema("The state needs either 'Next' or \"End\": true", *loc)
    if has_next and not isinstance(state["Next"], str):
        out.schema("'Next' must be a state name", *loc, "Next")


def _positive(
    out: Collector, state: dict[str, Any], key: str, jsonata: bool, loc: tuple[str | int, ...], low: int = 1
) -> None:
    if key not in state:
        return
    value = state[key]
    if jsonata and is_jsonata(value):
        return
    ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= MAX_INT
    if not ok:
        out.schema(f"'{key}' must be an integer from {low} to {MAX_INT}", *loc, key)


def _task(out: Collector, state: dict[str, Any], jsonata: bool, loc: tuple[str | int, ...]) -> None:
    resource = state.get("Resource")
    if "Resource" not in state:
        out.schema("These fields are required: [Resource]", *loc)
    elif not isinstance(resource, str) or not (
        resource.startswith("arn:") or placeholder_name(resource) is not None
    ):
        out.error(INVALID_RESOURCE, f"Resource {resource!r} is not a valid ARN", *loc, "Resource")
    _positive(out, state, "TimeoutSeconds", jsonata, loc)
    _positive(out, state, "HeartbeatSeconds", jsonata, loc)
    for a, b in (("TimeoutSeconds", "TimeoutSecondsPath"), ("HeartbeatSeconds", "HeartbeatSecondsPath")):
        if a in state and b in state:
            out.schema(f"Only one of '{a}' and '{b}' may be given", *loc)
    t, h = state.get("TimeoutSeconds"), state.get("HeartbeatSeconds")
    if isinstance(t, int) and isinstance(h, int) and not isinstance(t, bool) and h >= t:
        out.schema("'HeartbeatSeconds' must be smaller than 'TimeoutSeconds'", *loc, "HeartbeatSeconds")


def _wait(out: Collector, state: dict[str, Any], jsonata: bool, loc: tuple[str | int, ...]) -> None:
    given = [k for k in ("Seconds", "Timestamp", "SecondsPath", "TimestampPath") if k in state]
    if len(given) != 1:
        out.schema(
            "A Wait state needs exactly one of Seconds, Timestamp, SecondsPath, TimestampPath"
            + (f" (found {', '.join(given)})" if given else ""),
            *loc,
        )
    _positive(out, state, "Seconds", jsonata, loc, low=0)
    ts = state.get("Timestamp")
    if "Timestamp" in state and not isinstance(ts, str):
        out.schema("'Timestamp' must be an ISO-8601 timestamp string", *loc, "Timestamp")


def _fail(out: Collector, state: dict[str, Any], jsonata: bool, loc: tuple[str | int, ...]) -> None:
    for a, b in (("Error", "ErrorPath"), ("Cause", "CausePath")):
        if a in state and b in state:
            out.schema(f"Only one of '{a}' and '{b}' may be given", *loc)
        if a in state and not isinstance(state[a], str):
            out.schema(f"'{a}' must be a string", *loc, a)


def _choice(out: Collector, state: dict[str, Any], jsonata: bool, loc: tuple[str | int, ...]) -> None:
    check_choice_rules(out, state, jsonata, loc)
    if "Default" in state and not isinstance(state["Default"], str):
        out.schema("'Default' must be a state name", *loc, "Default")


def _parallel(out: Collector, state: dict[str, Any], jsonata: bool, loc: tuple[str | int, ...]) -> None:
    branches = state.get("Branches")
    if not isinstance(branches, list) or not branches:
        out.schema("'Branches' must be a non-empty array of state machines", *loc, "Branches")


def _map(out: Collector, state: dict[str, Any], jsonata: bool, loc: tuple[str | int, ...]) -> None:
    if "ItemProcessor" in state and "Iterator" in state:
        out.schema("Only one of 'ItemProcessor' and 'Iterator' may be given", *loc)
    if "ItemProcessor" not in state and "Iterator" not in state:
        out.schema("These fields are required: [ItemProcessor]", *loc)
    processor = state.get("ItemProcessor")
    if isinstance(processor, dict):
        config = processor.get("ProcessorConfig", {})
        if not isinstance(config, dict):
            out.schema("'ProcessorConfig' must be an object", *loc, "ItemProcessor", "ProcessorConfig")
        else:
            mode = config.get("Mode", "INLINE")
            if mode not in ("INLINE", "DISTRIBUTED"):
                out.schema(
                    "'Mode' must be INLINE or DISTRIBUTED", *loc, "ItemProcessor", "ProcessorConfig", "Mode"
                )
            if "ExecutionType" in config and config["ExecutionType"] not in ("STANDARD", "EXPRESS"):
                out.schema(
                    "'ExecutionType' must be STANDARD or EXPRESS",
                    *loc,
                    "ItemProcessor",
                    "ProcessorConfig",
                    "ExecutionType",
                )
    if "ItemSelector" in state and "Parameters" in state:
        out.schema("Only one of 'ItemSelector' and 'Parameters' may be given", *loc)
    _positive(out, state, "MaxConcurrency", jsonata, loc, low=0)
    _positive(out, state, "ToleratedFailureCount", jsonata, loc, low=0)
    pct = state.get("ToleratedFailurePercentage")
    pct_literal = "ToleratedFailurePercentage" in state and not (jsonata and is_jsonata(pct))
    if pct_literal and (isinstance(pct, bool) or not isinstance(pct, (int, float)) or not 0 <= pct <= 100):
        out.schema(
            "'ToleratedFailurePercentage' must be a number from 0 to 100",
            *loc,
            "ToleratedFailurePercentage",
        )
    items = state.get("Items")
    if "Items" in state and not (isinstance(items, list) or is_jsonata(items)):
        out.schema("'Items' must be an array or a JSONata expression", *loc, "Items")


_SPECIFIC = {
    "Task": _task,
    "Wait": _wait,
    "Fail": _fail,
    "Choice": _choice,
    "Parallel": _parallel,
    "Map": _map,
}
