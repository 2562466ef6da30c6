"""What the commands share: reporting errors as one line, and reading JSON options.

Loading definitions is `durable_sfn.local.definitions`' job; the server and the tests use it too.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console

from durable_sfn.errors import DefinitionError

err_console = Console(stderr=True, highlight=False, soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])


class UsageError(RuntimeError):
    """A mistake in what the user asked for: reported as one line, exit status 1."""


def fail(message: str) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    raise typer.Exit(1)


def reports_errors(fn: F) -> F:
    """Turn the errors users can cause into one line on stderr and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            fail(describe_error(exc))

    return wrapper  # type: ignore[return-value]


def describe_error(exc: BaseException) -> str:
    """One readable line (or block, for compile diagnostics) for any error a command meets."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response["Error"]
        return f"{error.get('Code')}: {error.get('Message')}"
    name = type(exc).__name__
    if name in ("NoCredentialsError", "PartialCredentialsError"):
        return "no AWS credentials found: configure them (aws configure, AWS_PROFILE) or pass --profile"
    if name == "NoRegionError":
        return "no AWS region set: pass --region or set AWS_REGION"
    if name == "EndpointConnectionError":
        return f"cannot reach the endpoint ({exc}): is `durable-sfn serve` running, is --endpoint-url right?"
    if name in ("ProfileNotFound",):
        return str(exc)
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc}"
    if isinstance(exc, FileNotFoundError):
        return f"no such file: {exc.filename}"
    message = str(exc) or name
    if hasattr(exc, "diagnostics"):  # CompileError: its rendered diagnostics say it all
        return message
    known = (UsageError, DefinitionError, ValueError, RuntimeError, LookupError)
    return message if isinstance(exc, known) else f"{name}: {message}"


def parse_json_option(text: str | None, what: str) -> Any:
    """`--input '{"a": 1}'`, `--input @file.json` or a bare word taken as a JSON string."""
    if text is None:
        return None
    if text.startswith("@"):
        path = Path(text[1:])
        if not path.is_file():
            raise UsageError(f"{what} file {str(path)!r} does not exist")
        text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{what} is not valid JSON ({exc.msg} at column {exc.colno}): quote strings as "
            f"'\"text\"' or pass @file.json"
        ) from None
