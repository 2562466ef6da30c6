"""AWS Step Functions service limits, enforced locally so users meet them in tests.

One home for each number: the interpreter checks payloads between states (`dataflow`) and the
history length (`history`); the client checks names and execution input (`api/base.py`).
"""

from __future__ import annotations

MAX_PAYLOAD_BYTES = 256 * 1024
MAX_HISTORY_EVENTS = 25_000
MAX_NAME_LENGTH = 80
