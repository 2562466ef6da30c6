"""`${Name}` placeholders: the local twin of CDK's `definition_substitutions`.

Compiled definitions name activities and sub-orchestrations as `${ActivityName}`; CDK fills them
with real ARNs on deploy, and the local engine fills them with local ARNs through this function,
so both run the very same definition text.
"""

from __future__ import annotations

import re
from typing import Any

from durable_sfn._aws import PLACEHOLDER

__all__ = ["UnknownPlaceholderError", "find_placeholders", "substitute_placeholders"]


class UnknownPlaceholderError(KeyError):
    """A `${Name}` placeholder has no value in the mapping."""

    def __init__(self, name: str, state: str | None, location: str, known: list[str]) -> None:
        self.name = name
        self.state = state
        self.location = location
        where = f"state '{state}'" if state else "the definition"
        options = ", ".join(sorted(known)) or "none"
        super().__init__(name)
        self.message = (
            f"Unknown placeholder '${{{name}}}' in {where} (at {location}). "
            f"Known placeholders: {options}. Register the activity or orchestrator named '{name}', "
            "or add it to the substitution mapping."
        )

    def __str__(self) -> str:
        return self.message


def find_placeholders(definition: Any) -> set[str]:
    """The names of every `${Name}` placeholder in any string value (keys are not scanned)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, str):
            found.update(PLACEHOLDER.findall(node))
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(definition)
    return found


def substitute_placeholders(definition: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    """Return a copy of `definition` with every `${Name}` in string values replaced by mapping[Name].

    Raises UnknownPlaceholderError naming the placeholder and the state it sits in when the
    mapping lacks a name. `$${Name}` is not an escape: definitions never need a literal `${`.

        >>> substitute_placeholders({"Resource": "${Fn}"}, {"Fn": "arn:aws:lambda:::function:Fn"})
        {'Resource': 'arn:aws:lambda:::function:Fn'}
    """

    def replace(text: str, state: str | None, location: str) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in mapping:
                raise UnknownPlaceholderError(name, state, location, list(mapping))
            return mapping[name]

        return PLACEHOLDER.sub(one, text)

    def walk(node: Any, state: str | None, location: str, parent_key: str | None) -> Any:
        if isinstance(node, str):
            return replace(node, state, location) if "${" in node else node
        if isinstance(node, list):
            return [walk(v, state, f"{location}/{i}", None) for i, v in enumerate(node)]
        if isinstance(node, dict):
            out: dict[str, Any] = {}
            for key, value in node.items():
                child_state = key if parent_key == "States" else state
                out[key] = walk(value, child_state, f"{location}/{key}", key)
            return out
        return node

    result = walk(definition, None, "", None)
    assert isinstance(result, dict)
    return result
