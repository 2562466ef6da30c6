"""What the local world's moto may send outside the process: nothing, unless the operator asks.

moto carries out some effects for real: an SNS publish to an `http`/`https` subscription POSTs
the message to the subscribed URL, a Firehose HTTP endpoint or an API Gateway HTTP integration
is called, and a Lambda function is run in Docker. A definition reaches all of these through
`aws-sdk` tasks, so on `durable-sfn serve` anyone who can create a state machine could make the
machine send requests anywhere. The local world therefore:

- runs moto's Lambda without Docker (moto's simple backend, which answers without running code);
- keeps every HTTP request moto makes to a non-AWS URL in-process: it is recorded in
  `OutboundLog` and answered `200` with an empty body, never sent.

`real_services` names AWS services the operator wants served by real AWS instead of moto
(moto's passthrough); the CLI prints that loudly.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

# moto's own URL patterns take every AWS host; anything else that moto (or code running under
# it) sends through `requests` ends here.
_NOT_AWS = re.compile(r"^(?:https?|ftp)://(?![^/?#]*\.amazonaws\.com(?:[:/?#]|$))")
_METHODS = ("GET", "DELETE", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
_KEEP = 1000


def moto_config(real_services: tuple[str, ...] = ()) -> dict[str, Any]:
    """The `mock_aws(config=...)` of the local world (moto replaces whole sections, so `core`
    keeps moto's other defaults)."""
    from moto.core.config import default_user_config

    core = {**default_user_config.get("core", {})}
    core["passthrough"] = {"urls": [], "services": list(real_services)}
    return {"lambda": {"use_docker": False}, "batch": {"use_docker": False}, "core": core}


@dataclass(frozen=True)
class OutboundRequest:
    method: str
    url: str
    body: bytes


class OutboundLog:
    """The last requests that were kept in-process (newest last)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: deque[OutboundRequest] = deque(maxlen=_KEEP)

    def record(self, request: OutboundRequest) -> None:
        with self._lock:
            self._requests.append(request)

    @property
    def requests(self) -> list[OutboundRequest]:
        with self._lock:
            return list(self._requests)


def keep_in_process(log: OutboundLog) -> None:
    """While moto is active: answer non-AWS HTTP requests from `log` instead of the network.

    Call after `mock_aws().start()` (starting moto resets its request mock).
    """
    from moto.core.custom_responses_mock import CallbackResponse
    from moto.core.models import responses_mock

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        body = request.body
        data = body if isinstance(body, bytes) else (body or "").encode("utf-8")
        log.record(OutboundRequest(str(request.method), str(request.url), data))
        return 200, {}, ""

    # moto lets every non-AWS URL through to the network ("passthru" of all http URLs).
    responses_mock.passthru_prefixes = ()
    for method in _METHODS:
        responses_mock.add(CallbackResponse(method=method, url=_NOT_AWS, callback=answer))
