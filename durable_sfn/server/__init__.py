"""The local engine as a Step Functions endpoint (`durable-sfn serve`), and the management API.

Names are imported lazily: the management Lambda imports `durable_sfn.server.management` on AWS,
where the local engine's dependencies (moto, the CLI) are neither present nor wanted.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "LocalBackend", "ServerConfig", "make_server"]


def __getattr__(name: str) -> Any:
    if name == "make_server":
        from durable_sfn.server.httpd import make_server

        return make_server
    if name in ("DEFAULT_HOST", "DEFAULT_PORT", "LocalBackend", "ServerConfig"):
        from durable_sfn.server import app

        return getattr(app, name)
    raise AttributeError(f"module 'durable_sfn.server' has no attribute {name!r}")
