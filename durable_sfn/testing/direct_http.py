"""`ctx.call_http` in the direct run: the request the compiled HTTP Task makes, sent by the same
code (`durable_sfn.engine.integrations.http`), and the response the compiled states hold.

The compiled definition (`compiler/backend/http_calls`) turns the Task's result into Durable's
response with JSONata; `durable_response` is the same computation in Python (a JSON body is
written back with JSONata's own `$string`, so its text is the same in both runs), and the
polling of a `202 Accepted` with a `Location` follows the same rules: wait `Retry-After` seconds
(digits only) or 30, then GET the Location with the call's headers, until another answer comes.
A failure is raised with the Error and Cause the compiled Task fails with: an `OrchestrationError`
for a status outside 200-299 or no answer (what `except Exception` catches), a BaseException for
States.Runtime (bad arguments, a host the engine would not reach) and States.DataLimitExceeded,
which no Catch handles.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from jsonata import Jsonata

from durable_sfn.compiler.backend.http_calls import DEFAULT_POLL_SECONDS
from durable_sfn.compiler.frontend.http_calls import METHODS
from durable_sfn.dsl import DurableHttpResponse, OrchestrationError
from durable_sfn.engine import errors
from durable_sfn.engine.errors import StatesError
from durable_sfn.engine.integrations import http
from durable_sfn.testing.errors import DataLimitExceeded
from durable_sfn.testing.scheduler import Scheduler

_DIGITS = re.compile(r"^[0-9]{1,8}$")
# The local connection: the compiled Task names one, the direct run has nothing to authenticate.
_CONNECTION = {"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/direct-run/0"}


class HttpTaskRuntimeError(BaseException):
    """The HTTP Task could not be run (bad arguments, a host the engine would not reach): Step
    Functions' States.Runtime, which no Catch handles, so no `except Exception` may either."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.error = errors.RUNTIME
        self.cause = cause


def _jsonata_string(value: Any) -> str:
    return str(Jsonata("$string($)").evaluate(value))


def durable_response(result: dict[str, Any]) -> DurableHttpResponse:
    """The HTTP Task's result as the compiled `RESPONSE` expression shapes it."""
    headers = result.get("Headers")
    body = result.get("ResponseBody")
    return DurableHttpResponse(
        status_code=result.get("StatusCode"),
        headers={
            name: ", ".join(value) if isinstance(value, list) else _jsonata_string(value)
            for name, value in (headers.items() if isinstance(headers, dict) else ())
        },
        content=None
        if "ResponseBody" not in result
        else body
        if isinstance(body, str)
        else _jsonata_string(body),
    )


def _header(response: DurableHttpResponse, name: str) -> str | None:
    for key, value in response["headers"].items():
        if key.lower() == name:
            return value if isinstance(value, str) else None
    return None


def _send(arguments: dict[str, Any], outbound: bool) -> DurableHttpResponse:
    try:
        return durable_response(http.send(http.request_of(arguments), outbound=outbound))
    except StatesError as exc:
        if exc.error == errors.RUNTIME:
            raise HttpTaskRuntimeError(exc.cause) from None
        if exc.error == errors.DATA_LIMIT_EXCEEDED:
            raise DataLimitExceeded(exc.cause) from None
        raise OrchestrationError(exc.cause, error=exc.error) from None


async def call_http(
    scheduler: Scheduler,
    json_of: Callable[[Any, str], Any],
    method: str,
    uri: Any,
    content: Any = None,
    headers: Any = None,
    *,
    outbound: bool = False,
) -> DurableHttpResponse:
    if not (isinstance(method, str) and method.upper() in METHODS):
        raise ValueError(f"call_http: the method must be one of {', '.join(METHODS)}, not {method!r}")
    arguments: dict[str, Any] = {
        "ApiEndpoint": json_of(uri, "the uri of call_http"),
        "Method": method.upper(),
    }
    sent_headers = json_of(headers, "the headers of call_http") if headers is not None else None
    if sent_headers is not None:
        arguments["Headers"] = sent_headers
    if content is not None:
        arguments["RequestBody"] = json_of(content, "the content of call_http")
    arguments["Authentication"] = _CONNECTION
    await scheduler.checkpoint()
    response = _send(arguments, outbound)
    while response["status_code"] == 202 and isinstance(_header(response, "location"), str):
        retry_after = _header(response, "retry-after")
        seconds = (
            int(retry_after)
            if retry_after is not None and _DIGITS.match(retry_after)
            else DEFAULT_POLL_SECONDS
        )
        await scheduler.sleep_until(scheduler.now + timedelta(seconds=seconds))
        poll: dict[str, Any] = {"ApiEndpoint": _header(response, "location"), "Method": "GET"}
        if sent_headers is not None:
            poll["Headers"] = sent_headers
        poll["Authentication"] = _CONNECTION
        response = _send(poll, outbound)
    return response
