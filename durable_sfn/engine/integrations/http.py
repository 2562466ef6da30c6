"""The HTTP Task (`arn:aws:states:::http:invoke`): one HTTP request, answered as Step Functions
answers it.

The request comes from the Task's arguments: `ApiEndpoint` (the URL), `Method`, `Headers`,
`QueryParameters`, `RequestBody` and `Authentication.ConnectionArn` (the EventBridge connection
that holds the credentials on AWS; locally it is required but adds nothing). The result is
`{"StatusCode", "StatusText", "Headers", "ResponseBody"}`: header values are lists of strings, and
a JSON response (`application/json`, `+json`) is parsed, any other body is its text. A status
outside 200-299 fails the Task with `States.Http.StatusCode.<code>` (the Cause is the body's
text), and a request that gets no answer (refused, reset, over the 60 s Step Functions allows)
fails with `States.Http.Socket`. Redirects are not followed: a 3xx is a status like any other.

Reach: a definition names the URL, so on `durable-sfn serve` anyone who can create a state
machine could make the machine send requests anywhere, its own loopback services included. The
engine therefore sends requests only to loopback addresses (`localhost`, 127.0.0.0/8, ::1) by
default; given an allow-list (`LocalStepFunctions(http_allow=["host:port", ...])`, which `serve`
always gives, empty unless `--http-allow`), only to those exact addresses, loopback ones included;
and anywhere only when its owner allows every host (`http_outbound=True`). Anything else fails
with States.Runtime, naming the switch. `send` is also what the direct run (`durable_sfn.testing`) uses, so both runs make the
same request and see the same answer.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import urllib.parse
from dataclasses import dataclass
from typing import Any, Protocol

from durable_sfn.engine import errors
from durable_sfn.engine.errors import StatesError
from durable_sfn.engine.integrations.base import TaskFailure

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD")
TIMEOUT_SECONDS = 60  # Step Functions gives an HTTP Task's request 60 seconds
MAX_RESPONSE_BYTES = 256 * 1024  # what a state may produce at most
SOCKET_ERROR = "States.Http.Socket"
STATUS_ERROR_PREFIX = "States.Http.StatusCode."
_LOOPBACK_NAMES = ("localhost", "localhost.", "ip6-localhost")


Address = tuple[str, int]  # (host as the URL spells it, lower case, no brackets; port)


class HttpReach(Protocol):
    """Where HTTP Tasks may send requests."""

    @property
    def http_outbound(self) -> bool:
        """Any host at all."""
        ...

    @property
    def http_allow(self) -> frozenset[Address] | None:
        """Only these addresses (None: loopback ones)."""
        ...


def parse_address(text: str) -> Address:
    """`host:port` (`[::1]:8080` for IPv6) as an allow-list entry; ValueError says what is wrong."""
    host, sep, port = text.rpartition(":")
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{text!r} is not an address: write HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080")
    return host, int(port)


@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None


def invoke(reach: HttpReach, arguments: Any) -> dict[str, Any]:
    """Run an HTTP Task with these (evaluated) arguments."""
    return send(request_of(arguments), outbound=reach.http_outbound, allow=reach.http_allow)


def _runtime(message: str) -> StatesError:
    return StatesError(errors.RUNTIME, message)


def request_of(arguments: Any) -> HttpRequest:
    """The request an HTTP Task's arguments describe (States.Runtime when they describe none)."""
    if not isinstance(arguments, dict):
        raise _runtime("The arguments of an HTTP Task must be an object.")
    unknown = sorted(
        set(arguments)
        - {"ApiEndpoint", "Method", "Headers", "QueryParameters", "RequestBody", "Authentication"}
    )
    if unknown:
        raise _runtime(f"The HTTP Task field(s) {', '.join(unknown)} are not supported by the local engine.")
    endpoint, method = arguments.get("ApiEndpoint"), arguments.get("Method")
    if not isinstance(endpoint, str) or not endpoint:
        raise _runtime("An HTTP Task needs ApiEndpoint, a URL.")
    if method not in METHODS:
        raise _runtime(
            f"The HTTP Task Method must be one of {', '.join(METHODS)}, but was: {json.dumps(method)}"
        )
    auth = arguments.get("Authentication")
    if not (isinstance(auth, dict) and isinstance(auth.get("ConnectionArn"), str)):
        raise _runtime("An HTTP Task needs Authentication.ConnectionArn, the EventBridge connection it uses.")
    url = _with_query(endpoint, arguments.get("QueryParameters"))
    headers = _headers(arguments.get("Headers"))
    body = arguments.get("RequestBody")
    data: bytes | None = None
    if body is not None:
        data = (body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)).encode("utf-8")
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers += (("Content-Type", "application/json"),)
    return HttpRequest(str(method), url, headers, data)


def _with_query(endpoint: str, query: Any) -> str:
    if query is None:
        return endpoint
    if not isinstance(query, dict) or not all(isinstance(v, str) for v in query.values()):
        raise _runtime("The HTTP Task QueryParameters must be an object of strings.")
    separator = "&" if urllib.parse.urlsplit(endpoint).query else "?"
    return endpoint + separator + urllib.parse.urlencode(query)


def _headers(value: Any) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise _runtime("The HTTP Task Headers must be an object.")
    out: list[tuple[str, str]] = []
    for name, item in value.items():
        for one in item if isinstance(item, list) else [item]:
            if not isinstance(one, str):
                raise _runtime(f"The HTTP Task header {name!r} must be a string or a list of strings.")
            if "\n" in one or "\r" in one or "\n" in name or "\r" in name or ":" in name:
                raise _runtime(f"The HTTP Task header {name!r} is not a valid header.")
            out.append((name, one))
    return tuple(out)


def is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def send(request: HttpRequest, *, outbound: bool, allow: frozenset[Address] | None = None) -> dict[str, Any]:
    """Make the request; the HTTP Task's result, or the failure Step Functions reports.

    `outbound`: any host; otherwise `allow` (exact addresses), or loopback hosts when it is None.
    """
    parts = urllib.parse.urlsplit(request.url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = 0
    if parts.scheme not in ("http", "https") or not parts.hostname or not port:
        raise _runtime(
            f"The HTTP Task ApiEndpoint must be an http(s) URL, but was: {json.dumps(request.url)}"
        )
    if not outbound and allow is not None and (parts.hostname.lower(), port) not in allow:
        shown = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        allowed = ", ".join(sorted(f"{h}:{p}" if ":" not in h else f"[{h}]:{p}" for h, p in allow))
        raise _runtime(
            f"The local engine sends HTTP Task requests only to the addresses its operator allowed "
            f"({allowed or 'none'}), and {shown}:{port} is not one. To allow it: "
            f"`durable-sfn serve --http-allow {shown}:{port}` (LocalStepFunctions(http_allow=[...])), "
            "or any host with `durable-sfn serve --real-http`."
        )
    if not outbound and allow is None and not is_loopback(parts.hostname):
        raise _runtime(
            f"The local engine sends HTTP Task requests only to loopback addresses (localhost, 127.0.0.1, "
            f"::1), and {parts.hostname!r} is not one. To reach other hosts, allow it: "
            "LocalStepFunctions(http_outbound=True), LocalRuntime(real_http=True) or `durable-sfn serve --real-http`."
        )
    connection_type = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_type(parts.hostname, port, timeout=TIMEOUT_SECONDS)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.putrequest(request.method, path, skip_accept_encoding=True)
        for name, value in request.headers:
            connection.putheader(name, value)
        if request.body is not None:
            connection.putheader("Content-Length", str(len(request.body)))
        connection.endheaders(request.body)
        response = connection.getresponse()
        raw = response.read(MAX_RESPONSE_BYTES + 1)
    except (OSError, http.client.HTTPException) as exc:
        reason = (
            "timed out" if isinstance(exc, socket.timeout | TimeoutError) else str(exc) or type(exc).__name__
        )
        raise TaskFailure(SOCKET_ERROR, f"{request.method} {request.url}: {reason}") from None
    finally:
        connection.close()
    if len(raw) > MAX_RESPONSE_BYTES:
        raise TaskFailure(
            errors.DATA_LIMIT_EXCEEDED,
            f"The response of {request.method} {request.url} is larger than {MAX_RESPONSE_BYTES} bytes.",
        )
    headers: dict[str, list[str]] = {}
    for name, value in response.getheaders():
        key = next((k for k in headers if k.lower() == name.lower()), name)
        headers.setdefault(key, []).append(value)
    text = raw.decode("utf-8", errors="replace")
    body: Any = text
    content_type = response.getheader("Content-Type", "").split(";", 1)[0].strip().lower()
    if text and (content_type == "application/json" or content_type.endswith("+json")):
        try:
            body = json.loads(text)
        except ValueError:
            body = text
    result = {
        "StatusCode": response.status,
        "StatusText": response.reason,
        "Headers": headers,
        "ResponseBody": body,
    }
    if not 200 <= response.status <= 299:
        raise TaskFailure(f"{STATUS_ERROR_PREFIX}{response.status}", text)
    return result
