"""JSONPath-mode payload templates: Parameters, ResultSelector, ItemSelector and Assign.

A template is JSON in which a key ending in `.$` takes its value from a path (`$.x` in the
data, `$$.x` in the context object, `$var.x` in a variable) or from an intrinsic function call;
every other value is copied as written, recursively through objects and arrays. The `.$`
suffix is dropped from the output key.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from durable_sfn.engine.env import EvalEnv
from durable_sfn.engine.errors import RUNTIME, StatesError
from durable_sfn.engine.intrinsics import evaluate_intrinsic, is_intrinsic
from durable_sfn.engine.jsonpath import (
    JsonPathNotFound,
    Selector,
    UndefinedVariable,
    compile_path,
    to_json_text,
)

__all__ = ["evaluate_dynamic", "evaluate_template", "reads_only_data"]

# Named once: `dict | list` written inside isinstance() builds a new union object on every call.
_NESTED = (dict, list)


def evaluate_template(template: Any, data: Any, env: EvalEnv | None = None) -> Any:
    """Build the value a template describes for `data` (the effective input of the state).

    Raises StatesError (States.Runtime) naming the field and path when a path matches nothing,
    and States.IntrinsicFailure when an intrinsic function rejects its arguments.
    """
    # Scalars are copied in place rather than through a call each: templates are mostly flat.
    if isinstance(template, dict):
        out: dict[str, Any] = {}
        for key, value in template.items():
            if key.endswith(".$") and len(key) > 2:
                out[key[:-2]] = evaluate_dynamic(value, data, env, field=key)
            elif isinstance(value, _NESTED):
                out[key] = evaluate_template(value, data, env)
            else:
                out[key] = value
        return out
    if isinstance(template, list):
        return [evaluate_template(v, data, env) if isinstance(v, _NESTED) else v for v in template]
    return template


def reads_only_data(template: Any) -> bool:
    """Whether the template needs nothing but the data to be evaluated: every `.$` value is a
    path into the data (`$`, `$.x`, `$[0]`), with no context (`$$`), variable or intrinsic call.
    Evaluating it then never reads the evaluation view (`env` may be None)."""
    if isinstance(template, dict):
        for key, value in template.items():
            if key.endswith(".$") and len(key) > 2:
                if not isinstance(value, str):
                    return False
                text = value.strip()
                if text != "$" and not text.startswith(("$.", "$[")):
                    return False
            elif not reads_only_data(value):
                return False
        return True
    if isinstance(template, list):
        return all(reads_only_data(v) for v in template)
    return True


def evaluate_dynamic(expression: Any, data: Any, env: EvalEnv | None, *, field: str) -> Any:
    """The value of one `.$` field: a path or an intrinsic function call."""
    if not isinstance(expression, str):
        raise StatesError(
            RUNTIME,
            f"The value of the field '{field}' must be a JSONPath or an intrinsic function call, "
            f"but was {to_json_text(expression)}",
        )
    path = _path_of(expression)
    if path is None:
        text = expression.strip()
        if is_intrinsic(text):
            return evaluate_intrinsic(text, data, env)
        raise StatesError(
            RUNTIME,
            f"The value '{expression}' of the field '{field}' is neither a JSONPath (starting with '$') "
            "nor an intrinsic function call (starting with 'States.')",
        )
    try:
        return path(data, env)
    except JsonPathNotFound as exc:
        raise StatesError(
            RUNTIME,
            f"The JSONPath '{expression.strip()}' specified for the field '{field}' could not be found "
            f"in the input '{to_json_text(exc.data)}'",
        ) from None
    except UndefinedVariable as exc:
        raise StatesError(RUNTIME, f"{exc.cause} (field '{field}')") from None


@lru_cache(maxsize=8192)
def _path_of(expression: str) -> Selector | None:
    """The compiled path a `.$` value names, or None when it is not a path (an intrinsic call).

    A definition's `.$` values are evaluated on every entry of their state; this keeps the
    classification and the path lookup to one cache hit.
    """
    text = expression.strip()
    if is_intrinsic(text) or not text.startswith("$"):
        return None
    return compile_path(text)
