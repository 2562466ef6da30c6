"""Who may talk to `durable-sfn serve`, checked before any request reaches the engine.

The server has no AWS authentication (as Step Functions Local), so it relies on being reachable
only from the machine, and on browsers not being able to use it for a page the user visits:

- `Host` must name the server: a loopback name, the interface it is bound to, or a name given
  with `--allow-host` (`*`: any). A DNS-rebinding page reaches 127.0.0.1 under its own name,
  so its requests carry a foreign Host and are refused; and the URIs the management API
  returns are built from a checked Host only (from the bound address when any Host is allowed).
- `Origin`, when a browser sends one, must name the server too (cross-site requests refused).
- Management requests with a body, or any Content-Type, must send JSON (`application/json`):
  a cross-site form or `text/plain` POST, which a browser sends without asking, is refused.
- `--token SECRET` (for shared machines): every request, on both APIs, must carry the header
  `X-Durable-Sfn-Token: SECRET`.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

TOKEN_HEADER = "X-Durable-Sfn-Token"
ANY_HOST = "*"
_LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
_WILDCARDS = frozenset({"", "0.0.0.0", "::"})


@dataclass(frozen=True)
class Refusal:
    """A request the guard refuses: HTTP status, AWS error code, and why."""

    status: int
    code: str
    message: str


@dataclass(frozen=True)
class AccessPolicy:
    """The checks for one server: the bound address, extra Host names, the optional token."""

    host: str
    port: int
    allowed_hosts: tuple[str, ...] = ()
    token: str | None = None

    @property
    def any_host(self) -> bool:
        return ANY_HOST in self.allowed_hosts

    def host_names(self) -> frozenset[str]:
        """The names a request's Host (and Origin) may carry, lower case, without port."""
        names = set(_LOOPBACK_NAMES) | {h.lower().strip("[]") for h in self.allowed_hosts}
        if self.host not in _WILDCARDS:
            names.add(self.host.lower().strip("[]"))
        return frozenset(names)

    def check(self, headers: Mapping[str, str], *, management: bool, has_body: bool) -> Refusal | None:
        """None when the request may be served; `headers` in any case."""
        lowered = {k.lower(): v for k, v in headers.items()}
        if self.token is not None:
            sent = lowered.get(TOKEN_HEADER.lower(), "")
            if not hmac.compare_digest(sent.encode("utf-8"), self.token.encode("utf-8")):
                return Refusal(
                    403,
                    "AccessDeniedException",
                    f"this server requires the {TOKEN_HEADER} header with the token it was started with",
                )
        if not self.any_host:
            name = host_name(lowered.get("host", ""))
            if name is None or name not in self.host_names():
                return Refusal(
                    403,
                    "AccessDeniedException",
                    "the Host header does not name this server; start it with --allow-host NAME "
                    "to accept that name",
                )
        origin = lowered.get("origin")
        if origin is not None and not self._origin_allowed(origin):
            return Refusal(403, "AccessDeniedException", "cross-site requests are refused")
        if management and (has_body or "content-type" in lowered):
            media = lowered.get("content-type", "").split(";", 1)[0].strip().lower()
            if media != "application/json" and not media.endswith("+json"):
                return Refusal(
                    415,
                    "UnsupportedMediaTypeException",
                    "send the body as JSON (Content-Type: application/json)",
                )
        return None

    def base_url(self, headers: Mapping[str, str]) -> str:
        """Where the returned URIs point: the checked Host, or the bound address."""
        if not self.any_host:
            host = {k.lower(): v for k, v in headers.items()}.get("host", "")
            if host and host_name(host) in self.host_names():
                return f"http://{host}"
        bound = "127.0.0.1" if self.host in _WILDCARDS else self.host
        if ":" in bound:
            bound = f"[{bound}]"
        return f"http://{bound}:{self.port}"

    def _origin_allowed(self, origin: str) -> bool:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False  # "null" (sandboxed frames, file: pages) and anything odd
        return self.any_host or parts.hostname.lower() in self.host_names()


def host_name(host: str) -> str | None:
    """The name in a Host header (`name`, `name:port`, `[::1]:port`), lower case; None if malformed."""
    host = host.strip().lower()
    if not host or any(c in host for c in "/@?# \t"):
        return None
    if host.startswith("["):
        end = host.find("]")
        if end < 0 or (host[end + 1 :] and not host[end + 1 :].startswith(":")):
            return None
        return host[1:end]
    name, sep, port = host.rpartition(":") if ":" in host else (host, "", "")
    if sep and not port.isdigit():
        return None
    return name
