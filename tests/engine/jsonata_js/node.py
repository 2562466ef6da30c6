"""Talk to the `jsonata` npm package (the JSONata implementation AWS runs) in a Node process.

This module knows nothing of durable_sfn: it turns (expression, bindings) pairs into `Outcome`s
computed by jsonata-js, and compares two outcomes. One long-lived `node evaluate.js` process
answers JSON lines; a reader thread drains its stdout so that writing a large batch can never
deadlock against a full pipe.

    with JsonataJs() as js:
        [outcome] = js.evaluate_many([("$x + 1", {"x": 2})])
        assert outcome == Outcome.of_value(3)
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import queue
import shutil
import subprocess
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

SCRIPT = Path(__file__).with_name("evaluate.js")
REPO_ROOT = Path(__file__).resolve().parents[3]
NODE_MODULES = REPO_ROOT / "node_modules"

Kind = Literal["value", "undefined", "unsupported", "nonfinite", "error", "timeout"]


@dataclass(frozen=True)
class Outcome:
    """What one evaluation produced: a JSON value, nothing, a non-JSON value, or an error."""

    kind: Kind
    value: Any = None
    code: str = ""
    message: str = ""

    @staticmethod
    def of_value(value: Any) -> Outcome:
        return Outcome("value", value)

    @staticmethod
    def of_error(code: str, message: str = "") -> Outcome:
        return Outcome("error", code=code, message=message)

    def describe(self) -> str:
        if self.kind == "value":
            text = json.dumps(self.value, sort_keys=True)
            return text if len(text) <= 200 else text[:200] + "..."
        if self.kind == "error":
            return f"error {self.code}: {self.message}"
        return self.kind


Request = tuple[str, Mapping[str, Any]]


def node_executable() -> str | None:
    return shutil.which("node")


def available() -> str | None:
    """None when jsonata-js can run here, else why not (for a skip or failure message)."""
    if node_executable() is None:
        return "node is not on PATH (install Node.js 18+)"
    if not (NODE_MODULES / "jsonata" / "package.json").exists():
        return f"the jsonata npm package is not installed in {NODE_MODULES} (run `npm ci`)"
    return None


class JsonataJs:
    """A Node process evaluating JSONata with the npm package; restart it with `close()` + `start()`."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self._proc: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._next_id = 0

    def __enter__(self) -> JsonataJs:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        reason = available()
        if reason is not None:
            raise RuntimeError(reason)
        node = node_executable()
        assert node is not None
        self._lines = queue.Queue()
        self._proc = subprocess.Popen(
            [node, str(SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            cwd=REPO_ROOT,
            env={**os.environ, "NODE_PATH": str(NODE_MODULES)},
        )
        stdout = self._proc.stdout
        assert stdout is not None
        lines = self._lines

        def drain() -> None:
            for line in stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=drain, name="jsonata-js-reader", daemon=True).start()

    def close(self, *, kill: bool = False) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if kill:  # a hung process: a writer thread may still be blocked on its stdin
            proc.kill()
            proc.wait()
            return
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def version(self) -> str:
        response = self._exchange([{"op": "version"}])[0]
        return str(response["value"])

    def time_per_evaluation(self, expression: str, bindings: Mapping[str, Any], repeat: int) -> float:
        """Microseconds jsonata-js takes per evaluation (measured inside Node, no I/O)."""
        payload = {"op": "time", "expr": expression, "bindings": dict(bindings), "repeat": repeat}
        return float(self._exchange([payload])[0]["value"])

    def evaluate(self, expression: str, bindings: Mapping[str, Any]) -> Outcome:
        return self.evaluate_many([(expression, bindings)])[0]

    def evaluate_many(self, requests: Sequence[Request]) -> list[Outcome]:
        """Evaluate each request in order. A request that hangs gets the kind "timeout" and the
        process is restarted for the ones after it."""
        out: list[Outcome] = []
        start = 0
        while start < len(requests):
            batch = [{"expr": expr, "bindings": dict(b)} for expr, b in requests[start:]]
            responses = self._exchange(batch)
            out.extend(_outcome(r) for r in responses)
            start += len(responses)
            if start < len(requests):  # the next one timed out
                out.append(Outcome("timeout"))
                start += 1
        return out

    def _exchange(self, payloads: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send the payloads; return the responses received before the first timeout."""
        if self._proc is None:
            self.start()
        proc = self._proc
        assert proc is not None and proc.stdin is not None
        ids: list[int] = []
        text: list[str] = []
        for payload in payloads:
            self._next_id += 1
            ids.append(self._next_id)
            text.append(json.dumps({"id": self._next_id, **payload}, allow_nan=False))
        writer_error: list[BaseException] = []

        def write() -> None:
            try:
                assert proc.stdin is not None
                for line in text:
                    proc.stdin.write(line + "\n")
                proc.stdin.flush()
            except (BrokenPipeError, OSError, ValueError) as exc:  # the process was restarted
                writer_error.append(exc)

        writer = threading.Thread(target=write, name="jsonata-js-writer", daemon=True)
        writer.start()
        responses: list[dict[str, Any]] = []
        for expected in ids:
            try:
                line = self._lines.get(timeout=self.timeout)
            except queue.Empty:
                line = None
            if line is None:  # hung or died: start afresh for the rest
                self.close(kill=True)
                writer.join()
                self.start()
                return responses
            response = json.loads(line)
            if response.get("id") != expected:
                raise RuntimeError(f"jsonata-js answered {response.get('id')!r}, expected {expected}")
            responses.append(response)
        writer.join()
        return responses


def _outcome(response: Mapping[str, Any]) -> Outcome:
    kind = response["kind"]
    if kind == "value":
        return Outcome.of_value(response["value"])
    if kind == "error":
        return Outcome.of_error(str(response["code"]), str(response.get("message", "")))
    if kind in ("undefined", "unsupported", "nonfinite"):
        return Outcome(kind)
    raise RuntimeError(f"unknown response kind {kind!r}")


def same_json(a: Any, b: Any) -> bool:
    """JSON equality: numbers by value (1 == 1.0, never True == 1), objects without key order."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        # A JSON number is a double to jsonata-js: 7086609999999999000 (as JavaScript writes it) and
        # 7086609999999998976 (the double's exact integer, as Python keeps it) are the same number.
        return a == b or float(a) == float(b) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    return type(a) is type(b) and bool(a == b)


def same_outcome(a: Outcome, b: Outcome, *, messages: bool = False) -> bool:
    """Equal kinds, equal values (by `same_json`), equal error codes (and texts, if `messages`)."""
    if a.kind != b.kind:
        return False
    if a.kind == "value":
        return same_json(a.value, b.value)
    if a.kind == "error":
        return a.code == b.code and (not messages or a.message == b.message)
    return True


def running() -> Iterator[JsonataJs]:
    """A jsonata-js process for a module's tests (a fixture's body); skipped, or failed under CI,
    where Node.js or the npm package is missing."""
    from tests.engine.support import missing_input

    reason = available()
    if reason is not None:
        missing_input(f"jsonata-js cannot run: {reason}")
    with JsonataJs() as process:
        yield process
