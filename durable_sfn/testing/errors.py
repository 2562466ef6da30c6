"""The errors a direct run produces, shaped as Step Functions reports them.

Each carries `error` and `cause` (the Step Functions Error and Cause) so that `except X as e:
e.error, e.cause` reads the same in the direct run as in the compiled one.
"""

from __future__ import annotations

from typing import Any

TIMEOUT_ERROR = "States.Timeout"
# Step Functions' limit on any state's input, result or output, and on the execution's.
PAYLOAD_LIMIT_BYTES = 256 * 1024


class DataLimitExceeded(BaseException):
    """A payload over Step Functions' 256 KiB limit: a terminal error, like `States.DataLimitExceeded`.

    A BaseException because no Catch can handle it (`States.ALL` does not match it), so no
    `except Exception` in orchestrator code may either.
    """

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.error = "States.DataLimitExceeded"
        self.cause = cause


def check_size(text: str, cause: str) -> None:
    if len(text.encode("utf-8")) > PAYLOAD_LIMIT_BYTES:
        raise DataLimitExceeded(cause)


class ContinueAsNew(BaseException):
    """Ends the current generation (BaseException: `except Exception` must not swallow it)."""

    def __init__(self, input: Any) -> None:
        super().__init__("continue_as_new")
        self.input = input


def mark(exc: BaseException, error: str, cause: str) -> BaseException:
    # Plain exception classes accept new attributes; this is what makes `e.error`, `e.cause` and
    # `e.message` work in the direct run exactly as in the compiled one.
    exc.error = error  # type: ignore[attr-defined]
    exc.cause = cause  # type: ignore[attr-defined]
    exc.message = str(exc)  # type: ignore[attr-defined]
    return exc


def error_and_cause(exc: BaseException) -> tuple[str, str]:
    """The Step Functions Error and Cause an escaping exception becomes."""
    error = getattr(exc, "error", None)
    cause = getattr(exc, "cause", None)
    if isinstance(error, str) and error:
        return error, cause if isinstance(cause, str) else str(exc)
    return type(exc).__name__, str(exc)
