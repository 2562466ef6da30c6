"""Checks of payload templates and variable names.

In JSONPath states a key ending in `.$` must hold a path or an intrinsic function call; AWS
rejects anything else when the state machine is created, and warns (NO_DOLLAR) when a plain key
holds something that looks like a path, which is almost always a forgotten `.$`. Variable names
in `Assign` must be identifiers, because JSONata reads them as `$name`.
"""

from __future__ import annotations

import re
from typing import Any

from durable_sfn.asl.diagnostics import Collector
from durable_sfn.asl.intrinsics import IntrinsicSyntaxError, parse_intrinsic

__all__ = ["MAX_VARIABLE_NAME_LENGTH", "check_assign", "check_template"]

MAX_VARIABLE_NAME_LENGTH = 80
_RESERVED_VARIABLES = {"states"}
_LOOKS_LIKE_PATH = re.compile(r"^(\$\$?\.|\$\[|States\.[A-Za-z]+\()")


def check_template(out: Collector, template: Any, *where: str | int) -> None:
    """Check a JSONPath-mode template (Parameters, ResultSelector, ItemSelector, Assign)."""
    if isinstance(template, dict):
        for key, value in template.items():
            if key.endswith(".$") and len(key) > 2:
                _check_dynamic(out, value, *where, key)
            else:
                if isinstance(value, str) and _LOOKS_LIKE_PATH.match(value):
                    out.warning(
                        "NO_DOLLAR",
                        f"The value of '{key}' looks like a path or intrinsic function, but the key does not "
                        f"end with '.$', so it is used as the literal text {value!r}",
                        *where,
                        key,
                    )
                check_template(out, value, *where, key)
    elif isinstance(template, list):
        for i, value in enumerate(template):
            check_template(out, value, *where, i)


def _check_dynamic(out: Collector, value: Any, *where: str | int) -> None:
    if not isinstance(value, str) or not value.strip():
        out.schema("The value of a field ending in '.$' must be a path or an intrinsic function call", *where)
        return
    text = value.strip()
    if text.startswith("States."):
        try:
            parse_intrinsic(text)
        except IntrinsicSyntaxError as exc:
            out.schema(str(exc), *where)
        return
    if not text.startswith("$"):
        out.schema(
            f"The value {value!r} of a field ending in '.$' must be a path (starting with '$') "
            "or an intrinsic function call (starting with 'States.')",
            *where,
        )


def check_assign(out: Collector, assign: Any, jsonata: bool, *where: str | int) -> None:
    """Check Assign: variable names, and in JSONPath mode the `.$` values."""
    if not isinstance(assign, dict):
        out.schema("'Assign' must be an object of variable names to values", *where)
        return
    for key in assign:
        name = key[:-2] if (not jsonata and key.endswith(".$")) else key
        if not name.isidentifier() or len(name) > MAX_VARIABLE_NAME_LENGTH:
            out.schema(
                f"Invalid variable name {name!r}: use letters, digits and underscores, starting with a "
                f"letter or underscore, at most {MAX_VARIABLE_NAME_LENGTH} characters",
                *where,
                key,
            )
        elif name in _RESERVED_VARIABLES:
            out.schema(f"The variable name {name!r} is reserved ($states); choose another name", *where, key)
    if not jsonata:
        check_template(out, assign, *where)
