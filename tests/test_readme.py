"""The README never lies: its commands exist and its example orchestrator behaves as it says."""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command

from durable_sfn.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _code_blocks(section: str) -> list[str]:
    match = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## )", README, flags=re.S | re.M)
    assert match, f"README has no section {section!r}"
    return re.findall(r"```[a-z]*\n(.*?)```", match.group(1), flags=re.S)


def test_quickstart_is_exactly_the_two_commands() -> None:
    assert [line.strip() for line in _code_blocks("Quickstart")[0].splitlines()] == ["make run", "make test"]


def test_every_make_target_named_in_the_readme_exists() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.M))
    named = set(re.findall(r"`make ([a-z-]+)", README)) | set(
        re.findall(r"^make ([a-z-]+)", README, flags=re.M)
    )
    assert named, "the README names no make target"
    assert named <= targets, f"README names make targets the Makefile lacks: {sorted(named - targets)}"


def test_every_cli_command_named_in_the_readme_exists() -> None:
    group: Any = get_command(app)
    commands = set(group.commands)
    named = set(re.findall(r"durable-sfn ([a-z][a-z-]*)", README))
    assert named, "the README names no durable-sfn command"
    assert named <= commands, f"README names commands the CLI lacks: {sorted(named - commands)}"


@pytest.fixture()
def readme_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    source = _code_blocks("Writing an orchestrator")[0]
    (tmp_path / "readme_orders.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("readme_orders")
    yield module
    sys.modules.pop("readme_orders", None)


def test_the_testing_example_runs_as_written(readme_module: Any) -> None:
    namespace = dict(vars(readme_module))
    exec(_code_blocks("Testing locally")[0], namespace)
    assert namespace["result"].path, "run_local reports the states entered"


def test_the_example_orchestrator_agrees_direct_and_local(readme_module: Any) -> None:
    from durable_sfn.testing import run_direct, run_local

    for order in ({"OrderId": "ORD-7", "Items": ["a"]}, {"OrderId": "nope", "Items": []}):
        direct = run_direct(readme_module.readme_order, order)
        local = run_local(readme_module.readme_order, order)
        assert (direct.status, direct.output, direct.custom_status) == (
            local.status,
            local.output,
            local.custom_status,
        )
    assert run_local(readme_module.readme_order, {"OrderId": "nope", "Items": []}).output == {
        "Success": False,
        "Reason": "unknown order",
    }


def _commands(section_heading: str) -> list[str]:
    """The shell commands of the first bash block after a heading, continuation lines joined."""
    match = re.search(rf"^#+ {re.escape(section_heading)}\n.*?```bash\n(.*?)```", README, flags=re.S | re.M)
    assert match, f"README has no bash block under {section_heading!r}"
    return [line.strip() for line in match.group(1).replace("\\\n", " ").splitlines() if line.strip()]


def test_the_local_cli_commands_run_as_written(tmp_path: Path) -> None:
    # Run from a scratch folder holding the project's application folders, so files the
    # commands write land there and not in the checkout.
    for folder in ("statemachines", "lambdas"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    commands = _commands("The command line")
    assert len(commands) >= 4
    for command in commands:
        if "-f svg" in command and shutil.which("dot") is None:
            continue  # documented as needing Graphviz
        done = subprocess.run(
            ["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, (
            f"README command failed: {command}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    assert "flowchart" in (tmp_path / "order.mmd").read_text()
    assert "flowchart" in (tmp_path / "path.mmd").read_text()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_succeeds_as_the_quickstart_says() -> None:
    done = subprocess.run(["make", "run"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"make run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "OrderProcessingOrchestration" in done.stdout
