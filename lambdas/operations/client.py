"""HTTP calls to the operations API with the standard library, mapped to named errors.

5xx answers, refused connections and timeouts are `TransientServiceError` (worth a retry); 4xx
answers are `ServiceRequestRejected` (the same request will fail again), 404 on an operation is
`OperationNotFound`.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from lambdas.common.config import settings
from lambdas.common.errors import OperationNotFound, ServiceRequestRejected, TransientServiceError


def call(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    cfg = settings()
    url = cfg.operations_api_url + path
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=cfg.operations_api_timeout) as response:
            payload = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        message = _message(exc)
        if exc.code >= 500:
            raise TransientServiceError(f"{method} {url} answered {exc.code}: {message}") from None
        if exc.code == 404 and path.startswith("/operations/"):
            raise OperationNotFound(f"{method} {url}: {message}") from None
        raise ServiceRequestRejected(f"{method} {url} answered {exc.code}: {message}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TransientServiceError(
            f"{method} {url} failed: {reason} (is OPERATIONS_API_URL right?)"
        ) from None
    except json.JSONDecodeError:
        raise TransientServiceError(f"{method} {url} answered something that is not JSON") from None
    if not isinstance(payload, dict):
        raise TransientServiceError(f"{method} {url} answered {type(payload).__name__}, not a JSON object")
    return payload


def _message(exc: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(exc.read() or b"{}")
    except (json.JSONDecodeError, OSError):
        return exc.reason or ""
    return str(body.get("Message", exc.reason)) if isinstance(body, dict) else str(exc.reason)
