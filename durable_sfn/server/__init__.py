"""The local engine as a Step Functions endpoint (`durable-sfn serve`)."""

from durable_sfn.server.app import DEFAULT_HOST, DEFAULT_PORT, LocalBackend, ServerConfig
from durable_sfn.server.httpd import make_server

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "LocalBackend", "ServerConfig", "make_server"]
