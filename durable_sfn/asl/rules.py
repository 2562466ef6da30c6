"""Checks of the nested rule blocks: Choice rules, Retry and Catch.

They are shared by every state type that carries them, and are the part of a definition where
a typo (`NumericEqual`, a string where a number belongs, `States.ALL` not last) silently
changes behaviour, so each is checked field by field.
"""

from __future__ import annotations

import re
from typing import Any

from durable_sfn.asl.diagnostics import Collector
from durable_sfn.asl.templates import check_assign

__all__ = [
    "JSONPATH_OPERATORS",
    "check_catch",
    "check_choice_rules",
    "check_reference_path",
    "check_retry",
    "is_reference_path",
]

_REF_SEGMENT = r"(?:\.[^.\[\]\s'\"()*?@,:$]+|\[\d+\]|\['(?:[^'\\]|\\.)*'\]|\[\"(?:[^\"\\]|\\.)*\"\])"
_REFERENCE_PATH = re.compile(rf"\$(?:\$|[A-Za-z_][A-Za-z0-9_]*)?{_REF_SEGMENT}*")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})")
MAX_INT = 99_999_999

_BASE_OPERATORS: dict[str, str] = {
    "StringEquals": "string",
    "StringLessThan": "string",
    "StringGreaterThan": "string",
    "StringLessThanEquals": "string",
    "StringGreaterThanEquals": "string",
    "NumericEquals": "number",
    "NumericLessThan": "number",
    "NumericGreaterThan": "number",
    "NumericLessThanEquals": "number",
    "NumericGreaterThanEquals": "number",
    "BooleanEquals": "boolean",
    "TimestampEquals": "timestamp",
    "TimestampLessThan": "timestamp",
    "TimestampGreaterThan": "timestamp",
    "TimestampLessThanEquals": "timestamp",
    "TimestampGreaterThanEquals": "timestamp",
}
JSONPATH_OPERATORS: dict[str, str] = {
    **_BASE_OPERATORS,
    **{f"{name}Path": "path" for name in _BASE_OPERATORS},
    "StringMatches": "string",
    "IsNull": "boolean",
    "IsPresent": "boolean",
    "IsNumeric": "boolean",
    "IsString": "boolean",
    "IsBoolean": "boolean",
    "IsTimestamp": "boolean",
}
"""Every JSONPath Choice comparison operator and the JSON type its operand must have."""


def is_reference_path(value: Any, *, context: bool = True) -> bool:
    """A Reference Path: `$`, `$$` (if allowed) or `$var`, then only names and single indexes."""
    if not isinstance(value, str) or (not context and value.startswith("$$")):
        return False
    return _REFERENCE_PATH.fullmatch(value) is not None


def check_reference_path(out: Collector, value: Any, *where: str | int, context: bool = True) -> None:
    if isinstance(value, str) and not is_reference_path(value, context=context):
        out.schema(f"Value is not a Reference Path: {value}", *where)


def is_jsonata(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, float) and value.is_integer()
    )


def check_choice_rules(
    out: Collector, state: dict[str, Any], jsonata: bool, loc: tuple[str | int, ...]
) -> None:
    choices = state.get("Choices")
    if not isinstance(choices, list) or not choices:
        out.schema("The field 'Choices' must be a non-empty array of Choice rules", *loc, "Choices")
        return
    for i, rule in enumerate(choices):
        where = (*loc, "Choices", i)
        if not isinstance(rule, dict):
            out.schema("A Choice rule must be an object", *where)
            continue
        if not isinstance(rule.get("Next"), str):
            out.schema("A top-level Choice rule requires a 'Next' state name", *where)
        if jsonata:
            _check_jsonata_rule(out, rule, where)
        else:
            _check_jsonpath_rule(out, rule, where, top=True)


def _check_jsonata_rule(out: Collector, rule: dict[str, Any], where: tuple[str | int, ...]) -> None:
    allowed = {"Condition", "Next", "Comment", "Assign", "Output"}
    for key in rule:
        if key not in allowed:
            out.schema(
                f"Field '{key}' is not supported in a JSONata Choice rule (use 'Condition')", *where, key
            )
    cond = rule.get("Condition")
    if "Condition" not in rule:
        out.schema("A JSONata Choice rule requires a 'Condition'", *where)
    elif not (isinstance(cond, bool) or is_jsonata(cond)):
        out.schema("'Condition' must be a boolean or a JSONata expression '{% ... %}'", *where, "Condition")
    if "Assign" in rule:
        _assign(out, rule["Assign"], True, where)


def _check_jsonpath_rule(
    out: Collector, rule: dict[str, Any], where: tuple[str | int, ...], *, top: bool
) -> None:
    allowed = {"Variable", "Comment", "And", "Or", "Not", *JSONPATH_OPERATORS}
    if top:
        allowed |= {"Next", "Assign"}
    for key in rule:
        if key not in allowed:
            if key == "Next":
                out.schema(
                    "'Next' is only allowed on top-level Choice rules, not inside And/Or/Not", *where, key
                )
            elif key == "Condition":
                out.schema(
                    "'Condition' is only allowed in JSONata states; use 'Variable' and an operator",
                    *where,
                    key,
                )
            else:
                out.schema(f"Unknown field '{key}' in Choice rule", *where, key)
    if top and "Assign" in rule:
        _assign(out, rule["Assign"], False, where)
    combinators = [k for k in ("And", "Or", "Not") if k in rule]
    operators = [k for k in rule if k in JSONPATH_OPERATORS]
    if len(combinators) + len(operators) != 1:
        out.schema(
            "A Choice rule must have exactly one comparison operator or one of And/Or/Not "
            f"(found {', '.join(combinators + operators) or 'none'})",
            *where,
        )
        return
    if combinators:
        key = combinators[0]
        if "Variable" in rule:
            out.schema(f"'Variable' is not allowed next to '{key}'", *where, "Variable")
        if key == "Not":
            if not isinstance(rule["Not"], dict):
                out.schema("'Not' must be a Choice rule object", *where, "Not")
            else:
                _check_jsonpath_rule(out, rule["Not"], (*where, "Not"), top=False)
            return
        subs = rule[key]
        if not isinstance(subs, list) or not subs:
            out.schema(f"'{key}' must be a non-empty array of Choice rules", *where, key)
            return
        for j, sub in enumerate(subs):
            if isinstance(sub, dict):
                _check_jsonpath_rule(out, sub, (*where, key, j), top=False)
            else:
                out.schema("A Choice rule must be an object", *where, key, j)
        return
    op = operators[0]
    variable = rule.get("Variable")
    if not isinstance(variable, str) or not variable.startswith("$"):
        out.schema("A comparison requires 'Variable', a path starting with '$'", *where, "Variable")
    else:
        check_reference_path(out, variable, *where, "Variable")
    _check_operand(out, op, rule[op], (*where, op))
    if JSONPATH_OPERATORS[op] == "path":
        check_reference_path(out, rule[op], *where, op)


def _check_operand(out: Collector, op: str, value: Any, where: tuple[str | int, ...]) -> None:
    kind = JSONPATH_OPERATORS[op]
    ok = {
        "string": isinstance(value, str),
        "number": _is_number(value),
        "boolean": isinstance(value, bool),
        "timestamp": isinstance(value, str) and _TIMESTAMP.fullmatch(value) is not None,
        "path": isinstance(value, str) and value.startswith("$"),
    }[kind]
    if not ok:
        wanted = {
            "timestamp": "an ISO-8601 timestamp string such as 2016-03-14T01:59:00Z",
            "path": "a path starting with '$'",
        }.get(kind, f"a {kind}")
        out.schema(f"The value of '{op}' must be {wanted}", *where)


def check_retry(out: Collector, retry: Any, loc: tuple[str | int, ...]) -> None:
    if not isinstance(retry, list):
        out.schema("'Retry' must be an array of retriers", *loc, "Retry")
        return
    for i, retrier in enumerate(retry):
        where = (*loc, "Retry", i)
        if not isinstance(retrier, dict):
            out.schema("A retrier must be an object", *where)
            continue
        allowed = {
            "ErrorEquals",
            "IntervalSeconds",
            "MaxAttempts",
            "BackoffRate",
            "MaxDelaySeconds",
            "JitterStrategy",
            "Comment",
        }
        for key in retrier:
            if key not in allowed:
                out.schema(f"Unknown field '{key}' in retrier", *where, key)
        _check_error_equals(out, retrier, where, last=i == len(retry) - 1)
        _int_field(out, retrier, "IntervalSeconds", where, low=1)
        _int_field(out, retrier, "MaxAttempts", where, low=0)
        _int_field(out, retrier, "MaxDelaySeconds", where, low=1)
        rate = retrier.get("BackoffRate")
        if "BackoffRate" in retrier and not (
            isinstance(rate, (int, float)) and _is_number(rate) and rate >= 1.0
        ):
            out.schema("'BackoffRate' must be a number greater than or equal to 1.0", *where, "BackoffRate")
        if "JitterStrategy" in retrier and retrier["JitterStrategy"] not in ("FULL", "NONE"):
            out.schema("'JitterStrategy' must be FULL or NONE", *where, "JitterStrategy")


def check_catch(out: Collector, catch: Any, jsonata: bool, loc: tuple[str | int, ...]) -> None:
    if not isinstance(catch, list):
        out.schema("'Catch' must be an array of catchers", *loc, "Catch")
        return
    for i, catcher in enumerate(catch):
        where = (*loc, "Catch", i)
        if not isinstance(catcher, dict):
            out.schema("A catcher must be an object", *where)
            continue
        allowed = {"ErrorEquals", "Next", "Comment", "Assign", *(("Output",) if jsonata else ("ResultPath",))}
        for key in catcher:
            if key not in allowed:
                out.schema(
                    f"Field '{key}' is not supported in a catcher of a {'JSONata' if jsonata else 'JSONPath'} state",
                    *where,
                    key,
                )
        _check_error_equals(out, catcher, where, last=i == len(catch) - 1)
        if "Assign" in catcher:
            _assign(out, catcher["Assign"], jsonata, where)
        if catcher.get("ResultPath") is not None:
            check_reference_path(out, catcher["ResultPath"], *where, "ResultPath", context=False)
        if not isinstance(catcher.get("Next"), str):
            out.schema("A catcher requires 'Next', the name of the state to go to", *where)


def _assign(out: Collector, assign: Any, jsonata: bool, where: tuple[str | int, ...]) -> None:
    check_assign(out, assign, jsonata, *where, "Assign")


def _check_error_equals(
    out: Collector, block: dict[str, Any], where: tuple[str | int, ...], *, last: bool
) -> None:
    errors = block.get("ErrorEquals")
    if not isinstance(errors, list) or not errors or not all(isinstance(e, str) for e in errors):
        out.schema("'ErrorEquals' must be a non-empty array of error names", *where, "ErrorEquals")
        return
    if "States.ALL" in errors and (len(errors) != 1 or not last):
        out.schema("'States.ALL' must appear alone and in the last retrier or catcher", *where, "ErrorEquals")


def _int_field(
    out: Collector, block: dict[str, Any], key: str, where: tuple[str | int, ...], *, low: int
) -> None:
    if key not in block:
        return
    value = block[key]
    if not _is_int(value) or not (low <= value <= MAX_INT):
        out.schema(f"'{key}' must be an integer from {low} to {MAX_INT}", *where, key)
