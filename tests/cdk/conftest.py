"""Synthesize each CDK app once per test session and share the cloud assembly between workers.

Synthesis takes seconds (a Node.js process runs the CDK), so it happens once: the first pytest
worker synthesizes under a file lock and the others read the same output directory.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
# The jsii runtime prints a banner for end-of-life Node.js majors unless the major is listed here.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")


@dataclass(frozen=True)
class Assembly:
    """A synthesized cloud assembly: templates by stack name, asset directories by hash."""

    outdir: Path

    def template(self, stack: str) -> dict[str, Any]:
        template: dict[str, Any] = json.loads((self.outdir / f"{stack}.template.json").read_text())
        return template

    def templates(self) -> dict[str, dict[str, Any]]:
        return {
            p.name.removesuffix(".template.json"): json.loads(p.read_text())
            for p in sorted(self.outdir.glob("*.template.json"))
        }

    def resources(self, stack: str, kind: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.template(stack)["Resources"].items() if v["Type"] == kind}

    def asset_dir(self, s3_key: Any) -> Path:
        return self.outdir / f"asset.{str(s3_key).removesuffix('.zip')}"


def _synth_once(base: Path, name: str, build: Callable[[str], Any]) -> Assembly:
    outdir = base / name
    marker, failure = base / f"{name}.done", base / f"{name}.failed"
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if failure.exists():
            pytest.fail(failure.read_text(), pytrace=False)
        if not marker.exists():
            try:
                build(str(outdir)).synth()
            except Exception as exc:
                failure.write_text(f"cdk synth of {name} failed: {exc}")
                raise
            marker.write_text("ok")
    return Assembly(outdir)


@pytest.fixture(scope="session")
def shared_dir(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    base = tmp_path_factory.getbasetemp()
    # Under pytest-xdist every worker has its own basetemp below one common parent.
    return base.parent if worker_id != "master" else base


@pytest.fixture(scope="session")
def sample_assembly(shared_dir: Path) -> Assembly:
    from tests.cdk.sample_app import build_sample_app

    return _synth_once(shared_dir, "cdk-sample", build_sample_app)


@pytest.fixture(scope="session")
def reference_assembly(shared_dir: Path) -> Assembly:
    from stacks import build_app

    return _synth_once(shared_dir, "cdk-reference", lambda outdir: build_app(outdir=outdir))


@pytest.fixture()
def fresh_stack() -> Iterator[Any]:
    """An empty stack for construction-time checks (nothing is synthesized)."""
    from aws_cdk import App, Stack

    yield Stack(App(), "Scratch")
