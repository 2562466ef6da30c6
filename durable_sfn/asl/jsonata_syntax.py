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
from jsonata.parser import Parser

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
        if "?" in body:
            _Parser206().parse(body)
    except _NewerOperator as exc:
        return str(exc)
    except Exception as exc:  # jsonata-python raises JException (and others on odd input)
        message = str(exc) or type(exc).__name__
        return _CODE_PREFIX.sub("", message)
    return None


class _NewerOperator(Exception):
    pass


class _Parser206(Parser):  # type: ignore[misc]
    """jsonata-python's parser, refusing what jsonata-js 2.0.6 (the version AWS runs) does not know.

    `??` (coalesce) and `?:` (default) came with jsonata 2.1; jsonata-python and the engine's
    evaluator accept them, but AWS reads `a ?? b` as a condition whose `then` starts with `?`
    and refuses the definition, with jsonata-js's message (S0211).
    """

    def advance(self, id: str | None = None, infix: bool = False) -> Any:
        node = super().advance(id, infix)
        operator = getattr(self.node, "id", None)
        if operator in ("??", "?:"):
            raise _NewerOperator(f'The symbol "{operator[1]}" cannot be used as a unary operator')
        return node


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
