"""Notify a webhook with call_http and read its JSON reply; a 4xx is handled."""

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from durable_sfn import JsonValue, OrchestrationContext, OrchestrationError, orchestrator

logger = logging.getLogger(__name__)


@orchestrator(name="HbWebhookHttp")
async def webhook_http(context: OrchestrationContext) -> JsonValue:
    req = context.get_input()
    try:
        response = await context.call_http(
            "POST", req["url"] + "/hooks", content={"event": req["event"]}, headers={"X-Trace": "t-1"}
        )
    except OrchestrationError as e:
        logger.error("webhook failed: %s", e.error)
        return {"delivered": False, "error": e.error}
    body = json.loads(response.content or "null")
    logger.info("webhook answered %d", response.status_code)
    return {
        "delivered": True,
        "status": response.status_code,
        "id": body["id"],
        "echo": body["event"].upper(),
    }


ORCHESTRATOR = webhook_http
CONCURRENT = False


class _Hooks(BaseHTTPRequestHandler):
    """A webhook receiver on a loopback port: 201 with a JSON body, 404 for an unknown path."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if not self.path.startswith("/ok"):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        reply = json.dumps({"id": "h-" + self.headers["X-Trace"], "event": body["event"]}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args: object) -> None:
        pass


_server = ThreadingHTTPServer(("127.0.0.1", 0), _Hooks)
threading.Thread(target=_server.serve_forever, daemon=True).start()
_base = f"http://127.0.0.1:{_server.server_port}"
INPUTS = [{"url": _base + "/ok", "event": "paid"}, {"url": _base + "/missing", "event": "paid"}]
