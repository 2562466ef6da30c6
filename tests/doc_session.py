"""Run a documentation page the way a reader would: in order, in a scratch folder.

`tests/test_readme.py` runs each page in a process of its own:

    python -m tests.doc_session PLAN.json

The page conventions this relies on (the README and every docs/*.md follow them):

- Every fenced block names its language: `python`, `bash` or `text`.
- A `python` block whose first line is `# name.py` is a file: it is written to the scratch folder,
  which is on `sys.path`, so later blocks import it and commands compile it.
- Any other `python` block runs in the page's one namespace, in page order (like a doctest).
- A `bash` block holds one command per line (backslash continuations joined). Each runs with bash in
  the scratch folder (a `make` command in the project root). A trailing `# exits N` is the exit
  status the command is documented to end with (0 otherwise). `export NAME=VALUE` sets a variable
  for the commands after it. `durable-sfn serve ...` is started in the background on a free port,
  and later mentions of its default address (http://127.0.0.1:8083) are pointed at it.
- A `text` block right after a `bash` block of the same section is the exact output (stdout and
  stderr) of that block's last command; any other `text` block is an illustration.

Every AWS call the page makes goes nowhere real: the session sets placeholder credentials and a
region, and removes AWS_PROFILE.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("python", "bash", "text")
SERVE_DEFAULT_URL = "http://127.0.0.1:8083"
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
_FILE_HEADER = re.compile(r"^# ([\w./-]+\.py)\n")
_EXITS = re.compile(r"\s+#\s*exits\s+(\d+)\s*$")
_LISTENING = re.compile(r"listening on (http://\S+)")


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    doc: str  # path relative to the project root
    heading: str  # the nearest heading above it
    lang: str
    text: str
    line: int  # line of the opening fence

    @property
    def file_name(self) -> str | None:
        match = _FILE_HEADER.match(self.text) if self.lang == "python" else None
        return match.group(1) if match else None

    @property
    def first_line(self) -> str:
        return self.text.strip().splitlines()[0].strip() if self.text.strip() else ""

    def commands(self) -> list[str]:
        """The commands of a bash block, continuation lines joined, comment lines dropped."""
        joined = re.sub(r"[ \t]*\\\n\s*", " ", self.text)
        return [
            line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")
        ]


def blocks(doc: str) -> list[Block]:
    """The fenced blocks of a page, with their section heading and language."""
    found: list[Block] = []
    heading = ""
    fence: tuple[str, int, list[str]] | None = None
    for number, line in enumerate((ROOT / doc).read_text().splitlines(), start=1):
        if fence is None:
            if line.startswith("```"):
                fence = (line[3:].strip(), number, [])
            elif line.startswith("#"):
                heading = line.lstrip("#").strip()
            continue
        if line.startswith("```"):
            lang, start, lines = fence
            found.append(Block(doc, heading, lang, "\n".join(lines) + "\n", start))
            fence = None
        else:
            fence[2].append(line)
    assert fence is None, f"{doc}: the code block opened at line {fence[1]} is never closed"
    return found


@dataclass
class Ran:
    """What one command did."""

    doc: str
    command: str
    returncode: int | None = None
    output: str = ""
    skipped: str | None = None
    seconds: float = 0.0


@dataclass
class Session:
    doc: str
    scratch: Path
    not_runnable: dict[str, str]  # command, or first line of a python block -> reason
    needs_tool: dict[str, str]  # substring of a command -> executable it needs
    prelude: str | None
    env: dict[str, str] = field(default_factory=dict)
    namespace: dict[str, Any] = field(default_factory=dict)
    servers: list[subprocess.Popen[str]] = field(default_factory=list)
    url: str | None = None
    ran: list[Ran] = field(default_factory=list)

    def run(self) -> None:
        self.env = {k: v for k, v in os.environ.items() if k != "AWS_PROFILE"}
        self.env.update(FAKE_AWS)
        self.env["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{self.env['PATH']}"
        os.environ.clear()
        os.environ.update(self.env)
        os.chdir(self.scratch)
        sys.path.insert(0, str(self.scratch))
        self.namespace = {"__name__": "__doc_session__"}
        if self.prelude:
            exec(compile(self.prelude, f"<prelude of {self.doc}>", "exec"), self.namespace)
        page = blocks(self.doc)
        try:
            for index, block in enumerate(page):
                following = page[index + 1] if index + 1 < len(page) else None
                self._block(block, following)
        finally:
            for server in self.servers:
                server.terminate()
                server.wait(timeout=30)

    def _block(self, block: Block, following: Block | None) -> None:
        if block.lang == "python":
            if block.file_name:
                (self.scratch / block.file_name).write_text(block.text)
                return
            if block.first_line in self.not_runnable:
                self.ran.append(Ran(self.doc, block.first_line, skipped=self.not_runnable[block.first_line]))
                return
            started = time.monotonic()
            source = self._here(block.text)
            # Line numbers in tracebacks point into the page.
            code = compile("\n" * block.line + source, str(ROOT / block.doc), "exec")
            exec(code, self.namespace)
            self.ran.append(Ran(self.doc, block.first_line, returncode=0, seconds=time.monotonic() - started))
        elif block.lang == "bash":
            expected = None
            if following is not None and following.lang == "text" and following.heading == block.heading:
                expected = following.text
            commands = block.commands()
            for position, command in enumerate(commands):
                last = position == len(commands) - 1
                self._command(command, expected if last else None)

    def _command(self, command: str, expected_output: str | None) -> None:
        if command in self.not_runnable:
            self.ran.append(Ran(self.doc, command, skipped=self.not_runnable[command]))
            return
        for needle, tool in self.needs_tool.items():
            if needle in command and not _which(tool, self.env["PATH"]):
                self.ran.append(Ran(self.doc, command, skipped=f"needs {tool}, which is not installed"))
                return
        match = _EXITS.search(command)
        wanted = int(match.group(1)) if match else 0
        text = self._here(command[: match.start()] if match else command)
        if text.startswith("export "):
            for assignment in shlex.split(text[len("export ") :], comments=True):
                name, _, value = assignment.partition("=")
                self.env[name] = os.environ[name] = value
            self.ran.append(Ran(self.doc, command, returncode=0))
            return
        if text.startswith("durable-sfn serve"):
            self._serve(command, text)
            return
        cwd = ROOT if text.startswith("make ") else self.scratch
        started = time.monotonic()
        done = subprocess.run(
            ["bash", "-c", text],
            cwd=cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=600,
        )
        self.ran.append(
            Ran(self.doc, command, done.returncode, done.stdout, seconds=time.monotonic() - started)
        )
        if done.returncode != wanted:
            raise AssertionError(
                f"{self.doc}: `{command}` exited {done.returncode}, the page says {wanted}:\n{done.stdout[-3000:]}"
            )
        if expected_output is not None and _lines(done.stdout) != _lines(expected_output):
            raise AssertionError(
                f"{self.doc}: `{command}` printed\n{done.stdout}\nbut the page shows\n{expected_output}"
            )

    def _serve(self, command: str, text: str) -> None:
        log = open(self.scratch / f"serve-{len(self.servers)}.log", "w")  # noqa: SIM115 - closed with the process
        server = subprocess.Popen(
            ["bash", "-c", f"exec {text} --port 0"],
            cwd=self.scratch,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        self.servers.append(server)
        assert server.stdout is not None
        deadline = time.monotonic() + 120
        line = server.stdout.readline()
        while not _LISTENING.search(line):
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"{self.doc}: `{command}` did not start:\n{(self.scratch / log.name).read_text()[-3000:]}"
                )
            line = server.stdout.readline()
        match = _LISTENING.search(line)
        assert match is not None
        self.url = match.group(1)
        self.ran.append(Ran(self.doc, command, returncode=0, output=line))

    def _here(self, text: str) -> str:
        """Point the server's default address at the server this session started."""
        return text.replace(SERVE_DEFAULT_URL, self.url) if self.url else text


def _which(tool: str, path: str) -> bool:
    import shutil

    return shutil.which(tool, path=path) is not None


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip("\n").splitlines()]


def main(plan_file: str) -> None:
    plan = json.loads(Path(plan_file).read_text())
    session = Session(
        doc=plan["doc"],
        scratch=Path(plan["scratch"]),
        not_runnable=plan["not_runnable"],
        needs_tool=plan["needs_tool"],
        prelude=plan.get("prelude"),
    )
    try:
        session.run()
    finally:
        Path(plan["report"]).write_text(json.dumps([asdict(r) for r in session.ran]))


if __name__ == "__main__":
    main(sys.argv[1])
