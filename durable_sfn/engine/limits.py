"""AWS Step Functions service limits, enforced locally so users meet them in tests."""

from __future__ import annotations

import re

from durable_sfn.engine.api.errors import error

MAX_PAYLOAD_BYTES = 256 * 1024
MAX_HISTORY_EVENTS = 25_000
MAX_NAME_LENGTH = 80

# Names may not contain whitespace, brackets, wildcards, special or control characters.
_BAD_NAME = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")


def check_name(name: str, operation: str, *, what: str) -> None:
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME_LENGTH or _BAD_NAME.search(name):
        raise error(
            "InvalidName",
            f"Invalid Name: '{name}' (a {what} name is 1-{MAX_NAME_LENGTH} characters without whitespace, "
            'brackets, wildcards or the characters " # % \\ ^ | ~ ` $ & , ; : /)',
            operation,
        )


def check_input_size(text: str, operation: str) -> None:
    if len(text.encode()) > MAX_PAYLOAD_BYTES:
        raise error(
            "InvalidExecutionInput",
            f"Invalid State Machine Execution Input: the input is {len(text.encode())} bytes; the limit is {MAX_PAYLOAD_BYTES}",
            operation,
        )
