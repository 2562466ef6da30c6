"""The engine's time is virtual: ruff's banned-API rule (TID251) refuses real time in every engine module.

The rule is configured by path in pyproject.toml; this keeps it covering the engine's subpackages
(api/, states/, integrations/, ...) while the clock itself and the rest of the package stay free.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SNIPPET = "import time\n\n\ndef nap() -> None:\n    time.sleep(1)\n"

pytestmark = pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="ruff is not installed")


def _banned(path: str) -> bool:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "TID251", "--stdin-filename", path, "-"],
        input=SNIPPET,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    return "TID251" in result.stdout


@pytest.mark.parametrize(
    "path",
    [
        "durable_sfn/engine/execution.py",
        "durable_sfn/engine/api/client.py",
        "durable_sfn/engine/states/wait.py",
        "durable_sfn/engine/integrations/callbacks.py",
    ],
)
def test_real_time_is_banned_in_the_engine(path: str) -> None:
    assert _banned(path)


@pytest.mark.parametrize("path", ["durable_sfn/engine/clock.py", "durable_sfn/cli/serve.py"])
def test_the_clock_and_the_rest_of_the_package_may_use_real_time(path: str) -> None:
    assert not _banned(path)
