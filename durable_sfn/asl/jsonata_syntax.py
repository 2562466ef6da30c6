"""JSONata expressions must parse: AWS refuses a definition whose expression does not.

CreateStateMachine and ValidateStateMachineDefinition parse every `{% ... %}` of a JSONata
state and report `INVALID_JSONATA_EXPRESSION: <parser message> at /States/S/Output`. Checking
here means a typo fails at create/validate (and in `durable-sfn validate`), not halfway through
an execution.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from jsonata import Jsonata

from durable_sfn.asl.diagnostics import INVALID_JSONATA_EXPRESSION, Collector
from durable_sfn.asl.rules import is_jsonata

__all__ = ["check_jsonata_syntax", "jsonata_syntax_error"]

# Not evaluated, so not parsed: free text, and the nested scopes the validator walks itself.
_SKIPPED = {"Comment", "Branches", "ItemProcessor", "Iterator", "Type", "Next", "Default", "End"}
_CODE_PREFIX = re.compile(r"^[STDU]\d{4}:\s*")


@functools.lru_cache(maxsize=4096)
def jsonata_syntax_error(value: str) -> str | None:
    """The parser's message if the `{% ... %}` string `value` does not parse, else None."""
    body = value[2:-2].strip()
    if not body:
        return "The JSONata expression is empty"
    try:
        Jsonata(body)
    except Exception as exc:  # jsonata-python raises JException (and others on odd input)
        message = str(exc) or type(exc).__name__
        return _CODE_PREFIX.sub("", message)
    return None


def check_jsonata_syntax(out: Collector, state: dict[str, Any], loc: tuple[str | int, ...]) -> None:
    """Report every expression in a JSONata state's own fields that does not parse."""
    for key, value in state.items():
        if key not in _SKIPPED:
            _walk(out, value, (*loc, key))


def _walk(out: Collector, value: Any, where: tuple[str | int, ...]) -> None:
    if is_jsonata(value):
        error = jsonata_syntax_error(value)
        if error is not None:
            out.error(INVALID_JSONATA_EXPRESSION, error, *where)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "Comment":
                _walk(out, item, (*where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(out, item, (*where, index))
