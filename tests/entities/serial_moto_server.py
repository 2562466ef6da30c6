"""A moto server that handles one request at a time, in its own process.

DynamoDB applies each conditional write atomically. moto's in-process backend checks the
condition and stores the item in two steps, so threads of one process can interleave there;
a single-threaded server process cannot. Run as `python -m tests.entities.serial_moto_server`:
it prints the port it listens on, then serves until its stdin closes.
"""

from __future__ import annotations

import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server


class OneRequestPerConnection(MotoRequestHandler):
    # With keep-alive, a single-threaded server would stay on one idle client connection
    # while every other client waits.
    protocol_version = "HTTP/1.0"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def main() -> None:
    server = make_server(
        "127.0.0.1",
        0,
        DomainDispatcherApplication(create_backend_app),
        threaded=False,
        request_handler=OneRequestPerConnection,
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_port, flush=True)
    sys.stdin.read()  # the test closes stdin (or exits) to stop the server
    server.shutdown()


if __name__ == "__main__":
    main()
