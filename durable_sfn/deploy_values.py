"""Deploy-time values: what an orchestrator reads from `os.environ`, filled in when the definition
is deployed, never read while it runs.

The compiler writes a read of environment variable `X` as a `${Name}` placeholder (the one grammar
of `durable_sfn._aws.PLACEHOLDER`) inside a JSONata string literal:

- `os.environ["X"]` -> `"${env.X}"`: required; filled with the variable's value;
- `os.environ.get("X", d)` / `os.getenv("X", d)` -> `"${env.optional.X}"`: filled with `=` and the
  value when the variable is set and with nothing when it is not, so the expression can tell an
  empty value from a missing one and fall back to `d`.

The CDK `Orchestration` construct fills them at synth (from its `deploy_values=` prop, else from
the environment of `cdk synth`); `run_local`, `durable-sfn run` and `serve` fill them from the
process environment. Since the placeholder sits inside a JSONata string, a value is written with
JSON's escapes (which JSONata string literals share): any text round-trips, quotes, backslashes
and line breaks included. A `${` in a value is written `\u0024{`, so the filled definition holds
no placeholder that a later substitution could fill: CloudFormation's DefinitionSubstitutions
replace every `${Name}` they know in the definition's text, and a value like `${PaymentActivity}`
would otherwise become that function's ARN on deploy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from durable_sfn._aws import PLACEHOLDER

__all__ = [
    "MissingDeployValueError",
    "deploy_value_fills",
    "deploy_value_placeholders",
    "is_deploy_value",
    "optional_placeholder",
    "required_placeholder",
]

REQUIRED_PREFIX = "env."
OPTIONAL_PREFIX = "env.optional."
# The environment variable names a definition can read: the portable (POSIX) ones, which the
# placeholder grammar carries as they are.
VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# What an optional value is prefixed with when the variable is set.
SET_MARK = "="


class MissingDeployValueError(KeyError):
    """An environment variable an orchestrator reads with os.environ[...] has no value."""

    def __init__(self, variable: str, machine: str, states: list[str], where: str) -> None:
        super().__init__(variable)
        self.variable = variable
        self.machine = machine
        self.states = states
        named = ", ".join(repr(s) for s in states) or "the definition"
        self.message = (
            f"environment variable {variable!r} is not set: orchestrator {machine!r} reads "
            f"os.environ[{variable!r}] (state {named}), and its value is part of the definition. "
            f"Set {variable} {where}, or read it with os.environ.get({variable!r}, default)."
        )

    def __str__(self) -> str:
        return self.message


def required_placeholder(variable: str) -> str:
    return "${" + REQUIRED_PREFIX + variable + "}"


def optional_placeholder(variable: str) -> str:
    return "${" + OPTIONAL_PREFIX + variable + "}"


def is_deploy_value(placeholder_name: str) -> bool:
    """Whether a `${Name}` placeholder is a deploy-time value (not a function or machine)."""
    return placeholder_name.startswith(REQUIRED_PREFIX)


def _variable(placeholder_name: str) -> tuple[str, bool]:
    """(environment variable, required) of a deploy-value placeholder name."""
    if placeholder_name.startswith(OPTIONAL_PREFIX):
        return placeholder_name[len(OPTIONAL_PREFIX) :], False
    return placeholder_name[len(REQUIRED_PREFIX) :], True


def deploy_value_placeholders(definition: Any) -> dict[str, list[str]]:
    """Deploy-value placeholder name -> the states that use it, in definition order."""
    found: dict[str, list[str]] = {}

    def walk(node: Any, state: str | None, parent_key: str | None) -> None:
        if isinstance(node, str):
            for name in PLACEHOLDER.findall(node):
                if is_deploy_value(name):
                    states = found.setdefault(name, [])
                    if state is not None and state not in states:
                        states.append(state)
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(value, key if parent_key == "States" else state, key)
        elif isinstance(node, list):
            for value in node:
                walk(value, state, None)

    walk(definition, None, None)
    return found


def escaped(value: str) -> str:
    """`value` as the inside of a JSON (and JSONata) string literal, with no `${` left in it."""
    return json.dumps(value, ensure_ascii=False)[1:-1].replace("${", "\\u0024{")


def deploy_value_fills(
    definition: Any,
    values: Mapping[str, str],
    *,
    machine: str,
    where: str = "in the environment",
) -> dict[str, str]:
    """Placeholder name -> its text, for `substitute_placeholders`, from `values` (variable ->
    value, e.g. `os.environ`). Raises MissingDeployValueError for a required variable `values`
    lacks; `where` says where the value should be set."""
    fills: dict[str, str] = {}
    for name, states in deploy_value_placeholders(definition).items():
        variable, required = _variable(name)
        value = values.get(variable)
        if required:
            if value is None:
                raise MissingDeployValueError(variable, machine, states, where)
            fills[name] = escaped(value)
        else:
            fills[name] = "" if value is None else escaped(SET_MARK + value)
    return fills
