"""Validate a whole definition the way CreateStateMachine does, collecting every problem.

The checks run in layers: the JSON text (syntax, duplicate keys), the top-level fields, each
state's structure (`states.py`, `rules.py`), then the graph of each scope (the top level, every
Parallel branch, every Map processor): transition targets exist in the same scope, every state
is reachable from StartAt, some state ends the scope, and names are unique machine-wide.

    >>> [str(d) for d in validate_definition({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}})]
    ["MISSING_TRANSITION_TARGET: Missing 'Next' target: B at /States/A/Next"]
"""

from __future__ import annotations

import json
import re
from typing import Any

from durable_sfn.asl.diagnostics import (
    DUPLICATE_STATE_NAME,
    INVALID_JSON_DESCRIPTION,
    INVALID_STATE_NAME,
    MISSING_DESCRIPTION,
    MISSING_END_STATE,
    MISSING_TRANSITION_TARGET,
    AslDiagnostic,
    Collector,
    InvalidDefinitionError,
    pointer,
)
from durable_sfn.asl.rules import MAX_INT
from durable_sfn.asl.states import check_state

__all__ = [
    "MAX_DEFINITION_BYTES",
    "MAX_STATE_NAME_LENGTH",
    "ensure_valid",
    "parse_definition",
    "validate_definition",
]

MAX_STATE_NAME_LENGTH = 80
MAX_DEFINITION_BYTES = 1_048_576
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TOP_FIELDS = {"StartAt", "States", "Comment", "Version", "TimeoutSeconds", "QueryLanguage"}
_SCOPE_FIELDS = {"StartAt", "States", "Comment", "ProcessorConfig", "QueryLanguage"}


class _Duplicates:
    """Records duplicate keys while parsing, with the object they occurred in."""

    def __init__(self) -> None:
        self.found: list[tuple[str, int]] = []

    def hook(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                self.found.append((key, id(out)))
            out[key] = value
        return out


def parse_definition(definition: dict[str, Any] | str) -> tuple[dict[str, Any] | None, list[AslDiagnostic]]:
    """Turn JSON text into a dict, reporting syntax errors and duplicate keys like AWS."""
    if isinstance(definition, dict):
        return definition, []
    if not isinstance(definition, str) or not definition.strip():
        return None, [AslDiagnostic(MISSING_DESCRIPTION, "The definition is empty; it must be a JSON object")]
    if len(definition.encode()) > MAX_DEFINITION_BYTES:
        return None, [
            AslDiagnostic(
                INVALID_JSON_DESCRIPTION,
                f"The definition is {len(definition.encode())} bytes; the limit is {MAX_DEFINITION_BYTES}",
            )
        ]
    duplicates = _Duplicates()
    try:
        parsed = json.loads(definition, object_pairs_hook=duplicates.hook)
    except json.JSONDecodeError as exc:
        return None, [
            AslDiagnostic(
                INVALID_JSON_DESCRIPTION,
                f"The definition is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            )
        ]
    if not isinstance(parsed, dict):
        return None, [AslDiagnostic(INVALID_JSON_DESCRIPTION, "The definition must be a JSON object")]
    if duplicates.found:
        return None, _duplicate_diagnostics(parsed, duplicates.found)
    return parsed, []


def _duplicate_diagnostics(parsed: dict[str, Any], found: list[tuple[str, int]]) -> list[AslDiagnostic]:
    """Locate each duplicated key; under a "States" object it is a duplicate state name."""
    where: dict[int, tuple[str | int, ...]] = {}

    def walk(node: Any, loc: tuple[str | int, ...]) -> None:
        if isinstance(node, dict):
            where[id(node)] = loc
            for key, value in node.items():
                walk(value, (*loc, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, (*loc, i))

    walk(parsed, ())
    out = []
    for key, owner in found:
        loc = where.get(owner, ())
        if loc and loc[-1] == "States":
            out.append(
                AslDiagnostic(
                    DUPLICATE_STATE_NAME, f"State name {key!r} is defined more than once", pointer(*loc, key)
                )
            )
        else:
            out.append(AslDiagnostic(INVALID_JSON_DESCRIPTION, f"Duplicate key {key!r}", pointer(*loc, key)))
    return out


def validate_definition(definition: dict[str, Any] | str) -> list[AslDiagnostic]:
    """Every problem AWS would report for this definition (empty list when it is valid).

    Accepts the definition as a dict or as JSON text (text also gets syntax and duplicate-key
    checks). Warnings (severity WARNING) do not make a definition invalid.
    """
    parsed, problems = parse_definition(definition)
    if parsed is None:
        return problems
    out = Collector()
    for key in parsed:
        if key not in _TOP_FIELDS:
            out.schema(f"Field '{key}' is not supported at the top level of a state machine", key)
    top_language = parsed.get("QueryLanguage", "JSONPath")
    if top_language not in ("JSONPath", "JSONata"):
        out.schema("'QueryLanguage' must be JSONPath or JSONata", "QueryLanguage")
        top_language = "JSONPath"
    timeout = parsed.get("TimeoutSeconds")
    if "TimeoutSeconds" in parsed and (
        isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= MAX_INT
    ):
        out.schema(f"'TimeoutSeconds' must be an integer from 1 to {MAX_INT}", "TimeoutSeconds")
    seen: dict[str, str] = {}
    _check_scope(out, parsed, top_language, (), seen, top=True)
    return [*problems, *out.items]


def ensure_valid(definition: dict[str, Any] | str) -> dict[str, Any]:
    """Parse and validate; return the definition as a dict or raise InvalidDefinitionError."""
    diagnostics = validate_definition(definition)
    errors = [d for d in diagnostics if d.severity == "ERROR"]
    if errors:
        raise InvalidDefinitionError(errors)
    parsed, _ = parse_definition(definition)
    assert parsed is not None
    return parsed


def _check_scope(
    out: Collector,
    scope: dict[str, Any],
    language: str,
    loc: tuple[str | int, ...],
    seen: dict[str, str],
    *,
    top: bool = False,
) -> None:
    if not top:
        for key in scope:
            if key not in _SCOPE_FIELDS:
                out.schema(f"Field '{key}' is not supported in a branch or item processor", *loc, key)
    missing = [k for k in ("StartAt", "States") if k not in scope]
    if missing:
        out.schema(f"These fields are required: [{', '.join(missing)}]", *loc)
    states = scope.get("States")
    if "States" in scope and (not isinstance(states, dict) or not states):
        out.schema("'States' must be a non-empty object of state names to states", *loc, "States")
        return
    if not isinstance(states, dict):
        return
    start = scope.get("StartAt")
    if "StartAt" in scope and not isinstance(start, str):
        out.schema("'StartAt' must be a state name", *loc, "StartAt")
    elif isinstance(start, str) and start not in states:
        out.error(MISSING_TRANSITION_TARGET, f"Missing 'StartAt' target: {start}", *loc, "StartAt")
    scope_language = scope.get("QueryLanguage", language)
    for name, state in states.items():
        where = (*loc, "States", name)
        _check_name(out, name, where, seen)
        state_language = (
            state.get("QueryLanguage", scope_language) if isinstance(state, dict) else scope_language
        )
        jsonata = state_language == "JSONata"
        check_state(out, name, state, jsonata, where)
        if isinstance(state, dict):
            _check_targets(out, state, states, where)
            _check_children(out, state, state_language, where, seen)
    _check_graph(out, states, start if isinstance(start, str) else None, loc)


def _check_name(out: Collector, name: str, where: tuple[str | int, ...], seen: dict[str, str]) -> None:
    if not name or len(name) > MAX_STATE_NAME_LENGTH:
        out.error(
            INVALID_STATE_NAME,
            f"State name {name!r} must be 1 to {MAX_STATE_NAME_LENGTH} characters long (it has {len(name)})",
            *where,
        )
    elif _CONTROL.search(name):
        out.error(INVALID_STATE_NAME, f"State name {name!r} contains control characters", *where)
    location = pointer(*where)
    if name in seen:
        out.error(
            DUPLICATE_STATE_NAME,
            f"State name {name!r} is used more than once (also at {seen[name]}); names must be unique "
            "across the whole state machine, including Parallel branches and Map processors",
            *where,
        )
    else:
        seen[name] = location


def _check_targets(
    out: Collector, state: dict[str, Any], states: dict[str, Any], where: tuple[str | int, ...]
) -> None:
    def target(value: Any, field: str, *loc: str | int) -> None:
        if isinstance(value, str) and value not in states:
            out.error(MISSING_TRANSITION_TARGET, f"Missing '{field}' target: {value}", *where, *loc)

    target(state.get("Next"), "Next", "Next")
    target(state.get("Default"), "Default", "Default")
    for i, rule in enumerate(state.get("Choices") or []):
        if isinstance(rule, dict):
            target(rule.get("Next"), "Next", "Choices", i, "Next")
    for i, catcher in enumerate(state.get("Catch") or []):
        if isinstance(catcher, dict):
            target(catcher.get("Next"), "Next", "Catch", i, "Next")


def _check_children(
    out: Collector, state: dict[str, Any], language: str, where: tuple[str | int, ...], seen: dict[str, str]
) -> None:
    kind = state.get("Type")
    if kind == "Parallel" and isinstance(state.get("Branches"), list):
        for i, branch in enumerate(state["Branches"]):
            if isinstance(branch, dict):
                _check_scope(out, branch, language, (*where, "Branches", i), seen)
            else:
                out.schema("A branch must be an object with StartAt and States", *where, "Branches", i)
    elif kind == "Map":
        key = "ItemProcessor" if "ItemProcessor" in state else "Iterator"
        processor = state.get(key)
        if isinstance(processor, dict):
            _check_scope(out, processor, language, (*where, key), seen)
        elif key in state:
            out.schema(f"'{key}' must be an object with StartAt and States", *where, key)


def _successors(state: dict[str, Any]) -> list[str]:
    nxt = [state.get("Next"), state.get("Default")]
    nxt += [r.get("Next") for r in state.get("Choices") or [] if isinstance(r, dict)]
    nxt += [c.get("Next") for c in state.get("Catch") or [] if isinstance(c, dict)]
    return [n for n in nxt if isinstance(n, str)]


def _check_graph(
    out: Collector, states: dict[str, Any], start: str | None, loc: tuple[str | int, ...]
) -> None:
    terminal = [
        name
        for name, s in states.items()
        if isinstance(s, dict) and (s.get("Type") in ("Succeed", "Fail") or s.get("End") is True)
    ]
    if not terminal:
        out.error(
            MISSING_END_STATE,
            'No state ends this workflow: add "End": true, a Succeed state or a Fail state',
            *loc,
            "States",
        )
    if start is None or start not in states:
        return
    reached = {start}
    todo = [start]
    while todo:
        current = states.get(todo.pop())
        if not isinstance(current, dict):
            continue
        for nxt in _successors(current):
            if nxt in states and nxt not in reached:
                reached.add(nxt)
                todo.append(nxt)
    for name in states:
        if name not in reached:
            out.error(MISSING_TRANSITION_TARGET, f"State {name} is not reachable", *loc, "States", name)
