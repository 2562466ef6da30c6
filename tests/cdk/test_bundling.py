"""Docker-free packaging: pip targets Lambda's platform, layers are cached, code assets are exact."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from durable_sfn.cdk._private import bundling
from durable_sfn.cdk._private.bundling import (
    CodeBundler,
    CodeSource,
    LayerBuildError,
    build_layer,
    layer_cache_key,
)
from durable_sfn.cdk._private.errors import OrchestrationConfigError


def test_pip_fetches_cp312_manylinux_x86_64_wheels_only(tmp_path: Path) -> None:
    command = bundling.pip_command(tmp_path / "requirements.txt", tmp_path / "out")
    joined = " ".join(command)
    assert "--platform manylinux2014_x86_64" in joined
    assert "--python-version 3.12" in joined
    assert "--implementation cp" in joined
    assert "--only-binary=:all:" in command
    assert command[command.index("-t") + 1] == str(tmp_path / "out")


def test_cache_key_follows_the_requirements_including_nested_files(tmp_path: Path) -> None:
    base = tmp_path / "base.txt"
    base.write_text("pydantic==2.14.4\n")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("-r base.txt\n")
    first = layer_cache_key(requirements)
    assert layer_cache_key(requirements) == first
    base.write_text("pydantic==2.14.3\n")
    assert layer_cache_key(requirements) != first


def test_a_built_layer_is_reused_without_running_pip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DURABLE_SFN_CACHE_DIR", str(tmp_path / "cache"))
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("six==1.17.0\n")
    calls: list[list[str]] = []

    def fake_pip(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        calls.append(command)
        target = Path(command[command.index("-t") + 1])
        (target / "six.py").write_text("# built\n")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(subprocess, "run", fake_pip)
    first = build_layer(requirements)
    second = build_layer(requirements)
    assert first == second and len(calls) == 1
    assert (first / "python" / "six.py").read_text() == "# built\n"
    assert first.parent == tmp_path / "cache" / "layers"


def test_pip_failure_explains_the_platform_constraint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DURABLE_SFN_CACHE_DIR", str(tmp_path / "cache"))
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("only-sdist==1.0\n")

    def failing_pip(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(
            command, 1, "", "ERROR: No matching distribution found for only-sdist"
        )

    monkeypatch.setattr(subprocess, "run", failing_pip)
    with pytest.raises(LayerBuildError, match=r"(?s)CPython 3\.12.*No matching distribution.*wheel"):
        build_layer(requirements)
    assert not list((tmp_path / "cache" / "layers").iterdir()), "a failed build leaves nothing behind"


def test_missing_requirements_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OrchestrationConfigError, match="does not exist"):
        build_layer(tmp_path / "nope.txt")


def test_code_bundle_ships_sources_without_caches_or_excluded_packages(tmp_path: Path) -> None:
    package = tmp_path / "app"
    (package / "sub").mkdir(parents=True)
    (package / "__pycache__").mkdir()
    (package / "__init__.py").write_text("")
    (package / "sub" / "mod.py").write_text("X = 1\n")
    (package / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    (package / "private").mkdir()
    (package / "private" / "secret.py").write_text("")
    bundler = CodeBundler([CodeSource(package, "app")], excluded=["app/private"])
    assert [relative for relative, _ in bundler.files()] == ["app/__init__.py", "app/sub/mod.py"]
    before = bundler.fingerprint()
    out = tmp_path / "out"
    assert bundler.try_bundle(str(out))
    assert (out / "app" / "sub" / "mod.py").read_text() == "X = 1\n"
    (package / "sub" / "mod.py").write_text("X = 2\n")
    assert bundler.fingerprint() != before


def test_activity_module_maps_to_its_top_level_package() -> None:
    source = bundling.module_source("tests.cdk.sample_orchestrations")
    assert source.destination == "tests" and (source.path / "cdk" / "sample_orchestrations.py").is_file()
    requirements = bundling.find_requirements(source.path / "cdk" / "sample_orchestrations.py", source.path)
    assert requirements == source.path / "cdk" / "requirements.txt"
