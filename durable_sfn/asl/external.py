"""Run the `asl-validator` npm package, an independent second opinion on our definitions.

Tests use it to check that what the compiler emits is valid ASL by a validator we did not
write. It is installed by `make install` into node_modules/.bin.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["AslValidatorResult", "AslValidatorUnavailable", "find_asl_validator", "run_asl_validator"]

_REPO_ROOT = Path(__file__).resolve().parents[2]
# One file per line: `✕ State machine definition "<path>" is invalid:`
_INVALID_LINE = re.compile(r'State machine definition "([^"]+)" is invalid')


class AslValidatorUnavailable(RuntimeError):
    """node or the asl-validator package is not installed."""


@dataclass(frozen=True)
class AslValidatorResult:
    """`ok` when every file is valid; `invalid` holds the paths the validator rejected."""

    ok: bool
    output: str
    returncode: int
    invalid: frozenset[str] = frozenset()


def find_asl_validator(root: Path | None = None) -> Path:
    """The asl-validator executable: node_modules/.bin of the project, else on PATH."""
    candidate = (root or _REPO_ROOT) / "node_modules" / ".bin" / "asl-validator"
    if candidate.exists():
        return candidate
    found = shutil.which("asl-validator")
    if found:
        return Path(found)
    raise AslValidatorUnavailable(
        "asl-validator is not installed: run `make install` (it runs `npm ci`) in the project root"
    )


def run_asl_validator(paths: list[Path] | list[str], *, timeout: float = 120.0) -> AslValidatorResult:
    """Validate definition files in one node process; `ok` is True when every file is valid.

    Path checks and ARN checks stay on: placeholders are expected to be substituted first.
    """
    if not paths:
        return AslValidatorResult(True, "", 0)
    exe = find_asl_validator()
    args = [str(exe)]
    for path in paths:
        args += ["--json-path", str(path)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    output = (proc.stdout + proc.stderr).strip()
    invalid = frozenset(_INVALID_LINE.findall(output))
    return AslValidatorResult(proc.returncode == 0, output, proc.returncode, invalid)
