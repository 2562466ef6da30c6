"""Choice rules: pick the next state from the first rule that matches (the state: states/choice.py).

JSONPath rules compare the value at `Variable` with a literal or with the value at another path
(`...Path` operators), combine with `And`/`Or`/`Not`, and test types (`IsNull`, `IsString`, ...).
AWS's typing is strict and never raises for a mismatch: a comparison whose operands are not of
the operator's type is simply false (`NumericEquals` on a string, `BooleanEquals` on 1). A
Variable path that is absent fails the execution (States.Runtime), except under `IsPresent`,
which is how definitions guard optional fields (`And` evaluates lazily, so a guard works).

JSONata rules carry a `Condition` expression that must yield a boolean; they may also carry
`Assign` and `Output`, which the caller applies together with the state-level ones, so the
outcome reports the rule it matched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from durable_sfn.engine import jsonata
from durable_sfn.engine.env import EvalEnv
from durable_sfn.engine.errors import NO_CHOICE_MATCHED, QUERY_EVALUATION_ERROR, RUNTIME, StatesError
from durable_sfn.engine.json_types import json_type_name as _type_name
from durable_sfn.engine.jsonpath import JsonPathNotFound, UndefinedVariable, select, to_json_text
from durable_sfn.engine.text_order import utf16_units

__all__ = [
    "COMPARISON_OPERATORS",
    "ChoiceOutcome",
    "choose_next",
    "evaluate_rule",
    "parse_timestamp",
    "string_matches",
]


@dataclass(frozen=True)
class ChoiceOutcome:
    """Where a Choice state goes, and the matched rule's own `Assign`/`Output` templates.

    `rule_assign` / `rule_output` are the unevaluated templates of the matched rule (None when
    the Default was taken or the rule has none); state-level `Assign`/`Output` still apply and
    are the caller's to evaluate, the rule's entries winning on equal variable names.
    """

    next_state: str
    rule_index: int | None = None
    rule_assign: dict[str, Any] | None = None
    rule_output: Any = None
    has_rule_output: bool = False

    @property
    def is_default(self) -> bool:
        return self.rule_index is None


class _Absent:
    """The value of a Variable path that matches nothing (distinct from JSON null)."""


_ABSENT = _Absent()


def choose_next(state: dict[str, Any], env: EvalEnv) -> ChoiceOutcome:
    """Evaluate the rules of a Choice state in order; fall back to Default.

    Raises StatesError States.NoChoiceMatched when nothing matches and there is no Default,
    States.QueryEvaluationError when a JSONata Condition fails or is not boolean.
    """
    uses_jsonata = env.query_language == "JSONata"
    for index, rule in enumerate(state.get("Choices", [])):
        matched = _jsonata_condition(rule, env) if uses_jsonata else evaluate_rule(rule, env)
        if matched:
            has_output = "Output" in rule
            return ChoiceOutcome(
                next_state=rule["Next"],
                rule_index=index,
                rule_assign=rule.get("Assign"),
                rule_output=rule.get("Output"),
                has_rule_output=has_output,
            )
    default = state.get("Default")
    if default is None:
        raise StatesError(
            NO_CHOICE_MATCHED,
            f"No Choice rule of the state '{env.state_name}' matched and the state has no Default.",
        )
    return ChoiceOutcome(next_state=default)


# ---- JSONata ---------------------------------------------------------------------------------


def _jsonata_condition(rule: dict[str, Any], env: EvalEnv) -> bool:
    condition = rule.get("Condition")
    value = jsonata.evaluate_template(condition, env, "Condition")
    if not isinstance(value, bool):
        body = (
            jsonata.expression_body(condition)
            if isinstance(condition, str) and jsonata.is_expression(condition)
            else condition
        )
        kind = _type_name(value)
        raise StatesError(
            QUERY_EVALUATION_ERROR,
            f"The JSONata expression '{body}' specified for the field 'Condition' returned an unexpected "
            f"result type. Expected 'boolean', but was '{kind}' for value: {to_json_text(value)}",
        )
    return value


# ---- JSONPath rules --------------------------------------------------------------------------


def evaluate_rule(rule: dict[str, Any], env: EvalEnv) -> bool:
    """Whether one JSONPath Choice rule (or nested boolean expression) holds for `env.input`."""
    if "And" in rule:
        return all(evaluate_rule(sub, env) for sub in rule["And"])
    if "Or" in rule:
        return any(evaluate_rule(sub, env) for sub in rule["Or"])
    if "Not" in rule:
        return not evaluate_rule(rule["Not"], env)
    operator = None
    for key in rule:
        if key in COMPARISON_OPERATORS:
            operator = key
            break
    if operator is None:
        raise StatesError(
            RUNTIME,
            f"A Choice rule of the state '{env.state_name}' has no comparison operator: {to_json_text(rule)}",
        )
    variable = rule.get("Variable")
    if not isinstance(variable, str):
        raise StatesError(RUNTIME, f"A Choice rule of the state '{env.state_name}' has no Variable path")
    value = _sample(variable, env)
    if isinstance(value, _Absent) and operator != "IsPresent":
        # Only IsPresent may look at a path that is not there; AWS fails the execution.
        raise StatesError(RUNTIME, _invalid_path(variable))
    expected = rule[operator]
    if operator.endswith("Path") and operator not in _TYPE_TESTS:
        if not isinstance(expected, str):
            raise StatesError(
                RUNTIME, f"The {operator} of a Choice rule must be a path, but was {to_json_text(expected)}"
            )
        expected = _sample(expected, env)
        if isinstance(expected, _Absent):
            raise StatesError(RUNTIME, _invalid_path(rule[operator]))
    return COMPARISON_OPERATORS[operator](value, expected)


def _invalid_path(path: str) -> str:
    return f"Invalid path '{path}': The choice state's condition path references an invalid value."


def _sample(path: str, env: EvalEnv) -> Any:
    try:
        return select(env.input, path, env)
    except (JsonPathNotFound, UndefinedVariable):
        # An undefined variable is absent too: IsPresent can test for it.
        return _ABSENT


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# Timestamps are RFC 3339: uppercase T, and Z or a numeric offset, fractions to nanoseconds.
_TIMESTAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})")
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@lru_cache(maxsize=4096)
def parse_timestamp(text: str) -> tuple[int, int] | None:
    """An RFC 3339 timestamp as (seconds since the epoch, nanoseconds); None if it is not one."""
    m = _TIMESTAMP.fullmatch(text)
    if m is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    fraction, zone = m.group(7), m.group(8)
    if not (
        1 <= month <= 12 and 1 <= day <= _DAYS[month - 1] and hour <= 23 and minute <= 59 and second <= 59
    ):
        return None
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if month == 2 and day == 29 and not leap:
        return None
    offset = 0
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        oh, om = int(zone[1:3]), int(zone[4:6])
        if oh > 23 or om > 59:
            return None
        offset = sign * (oh * 3600 + om * 60)
    days = _days_from_civil(year, month, day)
    seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset
    nanos = int((fraction or "0").ljust(9, "0"))
    return seconds, nanos


def _days_from_civil(y: int, m: int, d: int) -> int:
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@lru_cache(maxsize=1024)
def _wildcard(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "*\\":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def string_matches(value: str, pattern: str) -> bool:
    """StringMatches: `*` matches any run of characters; `\\*` and `\\\\` are literal."""
    return _wildcard(pattern).fullmatch(value) is not None


def _utf16(text: str) -> bytes:
    """Order strings by UTF-16 code units, as Java's String.compareTo (and so AWS) does."""
    return utf16_units(text)


def _strings(op: Callable[[str, str], bool]) -> Callable[[Any, Any], bool]:
    def compare(value: Any, expected: Any) -> bool:
        return isinstance(value, str) and isinstance(expected, str) and op(value, expected)

    return compare


def _numbers(op: Callable[[float, float], bool]) -> Callable[[Any, Any], bool]:
    def compare(value: Any, expected: Any) -> bool:
        return _is_number(value) and _is_number(expected) and op(value, expected)

    return compare


def _timestamps(op: Callable[[tuple[int, int], tuple[int, int]], bool]) -> Callable[[Any, Any], bool]:
    def compare(value: Any, expected: Any) -> bool:
        if not (isinstance(value, str) and isinstance(expected, str)):
            return False
        left, right = parse_timestamp(value), parse_timestamp(expected)
        return left is not None and right is not None and op(left, right)

    return compare


def _boolean_equals(value: Any, expected: Any) -> bool:
    return isinstance(value, bool) and isinstance(expected, bool) and value == expected


def _type_test(test: Callable[[Any], bool]) -> Callable[[Any, Any], bool]:
    def check(value: Any, expected: Any) -> bool:
        if isinstance(value, _Absent):
            return False
        return test(value) is bool(expected)

    return check


def _is_present(value: Any, expected: Any) -> bool:
    return (not isinstance(value, _Absent)) is bool(expected)


_TYPE_TESTS = {
    "IsNull": _type_test(lambda v: v is None),
    "IsPresent": _is_present,
    "IsNumeric": _type_test(_is_number),
    "IsString": _type_test(lambda v: isinstance(v, str)),
    "IsBoolean": _type_test(lambda v: isinstance(v, bool)),
    "IsTimestamp": _type_test(lambda v: isinstance(v, str) and parse_timestamp(v) is not None),
}

_BASE: dict[str, Callable[[Any, Any], bool]] = {
    "StringEquals": _strings(lambda a, b: a == b),
    "StringLessThan": _strings(lambda a, b: _utf16(a) < _utf16(b)),
    "StringGreaterThan": _strings(lambda a, b: _utf16(a) > _utf16(b)),
    "StringLessThanEquals": _strings(lambda a, b: _utf16(a) <= _utf16(b)),
    "StringGreaterThanEquals": _strings(lambda a, b: _utf16(a) >= _utf16(b)),
    "NumericEquals": _numbers(lambda a, b: a == b),
    "NumericLessThan": _numbers(lambda a, b: a < b),
    "NumericGreaterThan": _numbers(lambda a, b: a > b),
    "NumericLessThanEquals": _numbers(lambda a, b: a <= b),
    "NumericGreaterThanEquals": _numbers(lambda a, b: a >= b),
    "BooleanEquals": _boolean_equals,
    "TimestampEquals": _timestamps(lambda a, b: a == b),
    "TimestampLessThan": _timestamps(lambda a, b: a < b),
    "TimestampGreaterThan": _timestamps(lambda a, b: a > b),
    "TimestampLessThanEquals": _timestamps(lambda a, b: a <= b),
    "TimestampGreaterThanEquals": _timestamps(lambda a, b: a >= b),
}


def _absent_false(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(value: Any, expected: Any) -> bool:
        return not isinstance(value, _Absent) and op(value, expected)

    return compare


COMPARISON_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    **{name: _absent_false(op) for name, op in _BASE.items()},
    **{f"{name}Path": _absent_false(op) for name, op in _BASE.items()},
    "StringMatches": _absent_false(_strings(string_matches)),
    **_TYPE_TESTS,
}
"""Every JSONPath comparison operator, mapped to a test of (variable value, operand)."""
