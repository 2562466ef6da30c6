"""Docker-free packaging: the activity code asset and the dependency layer, bundled locally.

CDK calls `try_bundle` during synthesis; both bundlers copy files into CDK's output directory and
return True, so Docker is never needed. The layer is built by pip for Lambda's platform and Python
version (not the build machine's: compiled wheels such as pydantic-core differ), once per distinct
requirements file, and kept in a cache so repeated synths only copy files.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import ILocalBundling

from durable_sfn.cdk._private.errors import OrchestrationConfigError

LAMBDA_PYTHON_VERSION = "3.12"
LAMBDA_PLATFORM = "manylinux2014_x86_64"
# Bump when the layer layout or the pip command changes, so stale cache entries are not reused.
_LAYER_FORMAT = "1"
_EXCLUDED_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
_EXCLUDED_SUFFIXES = (".pyc", ".pyo")


class LayerBuildError(OrchestrationConfigError):
    """pip could not produce Lambda-compatible wheels for the dependency layer."""


def cache_root() -> Path:
    """Where built layers are kept: $DURABLE_SFN_CACHE_DIR, else the user cache directory."""
    explicit = os.environ.get("DURABLE_SFN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "durable-sfn"


def pip_command(requirements: Path, target: Path) -> list[str]:
    """The pip invocation that fetches wheels for Lambda (CPython 3.12, manylinux x86_64) only."""
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--platform",
        LAMBDA_PLATFORM,
        "--python-version",
        LAMBDA_PYTHON_VERSION,
        "--implementation",
        "cp",
        "--only-binary=:all:",
        "-r",
        str(requirements),
        "-t",
        str(target),
    ]


def _requirements_text(requirements: Path, seen: set[Path] | None = None) -> str:
    """The requirements file with nested `-r` files inlined, so the cache key covers them."""
    seen = seen or set()
    path = requirements.resolve()
    if path in seen:
        return ""
    seen.add(path)
    parts = [path.read_text()]
    for line in parts[0].splitlines():
        stripped = line.strip()
        for flag in ("-r ", "--requirement "):
            if stripped.startswith(flag):
                parts.append(_requirements_text(path.parent / stripped[len(flag) :].strip(), seen))
    return "\n".join(parts)


def layer_cache_key(requirements: Path) -> str:
    digest = hashlib.sha256()
    for part in (_LAYER_FORMAT, LAMBDA_PLATFORM, LAMBDA_PYTHON_VERSION, _requirements_text(requirements)):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def build_layer(requirements: Path) -> Path:
    """Build (or reuse) the layer for `requirements`; returns a directory holding `python/`."""
    if not requirements.is_file():
        raise OrchestrationConfigError(
            f"dependency layer: requirements file {requirements} does not exist; pass requirements= "
            "pointing at the file listing your activities' dependencies"
        )
    key = layer_cache_key(requirements)
    layers = cache_root() / "layers"
    final = layers / key
    if (final / ".complete").is_file():
        return final
    staging = layers / f"{key}.building-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "python").mkdir(parents=True)
    result = subprocess.run(
        pip_command(requirements, staging / "python"), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        raise LayerBuildError(
            f"dependency layer: pip could not install {requirements} for Lambda "
            f"(CPython {LAMBDA_PYTHON_VERSION}, {LAMBDA_PLATFORM}, wheels only):\n{tail}\n"
            "Every requirement needs a published wheel for that platform; pin a version that has one."
        )
    (staging / ".complete").write_text(key + "\n")
    try:
        staging.rename(final)
    except OSError:
        # Another synth finished the same layer first; its copy is identical.
        shutil.rmtree(staging, ignore_errors=True)
    return final


def _link_or_copy(src: str, dst: str) -> Any:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def _ignore(directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n in _EXCLUDED_DIRS or n.endswith(_EXCLUDED_SUFFIXES)}


@jsii.implements(ILocalBundling)
class LayerBundler:
    """Copies the cached, pip-built `python/` tree into the layer asset."""

    def __init__(self, requirements: Path) -> None:
        self.requirements = requirements

    def try_bundle(self, output_dir: str, *args: Any, **kwargs: Any) -> bool:
        built = build_layer(self.requirements)
        shutil.copytree(
            built / "python", Path(output_dir) / "python", copy_function=_link_or_copy, dirs_exist_ok=True
        )
        return True


@dataclass(frozen=True)
class CodeSource:
    """A file or package directory copied into the code asset at `destination` (a relative path)."""

    path: Path
    destination: str


# The durable_sfn package itself ships with every function (the handlers live in it). The Lambda
# image ships boto3; the construct library never runs inside Lambda, so it stays out.
LIBRARY_SOURCE = CodeSource(Path(__file__).parents[2], "durable_sfn")
LIBRARY_EXCLUDED_FROM_CODE = ("durable_sfn/cdk",)


def _package_files(source: CodeSource) -> Iterable[tuple[str, Path]]:
    if source.path.is_file():
        yield source.destination, source.path
        return
    for root, dirs, files in os.walk(source.path):
        dirs[:] = sorted(d for d in dirs if d not in _EXCLUDED_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(_EXCLUDED_SUFFIXES):
                continue
            full = Path(root) / name
            yield f"{source.destination}/{full.relative_to(source.path).as_posix()}", full


@jsii.implements(ILocalBundling)
class CodeBundler:
    """Copies the durable_sfn package and the activity packages into the function code asset."""

    def __init__(self, sources: Sequence[CodeSource], excluded: Sequence[str] = ()) -> None:
        self.sources = tuple(sources)
        self.excluded = tuple(excluded)

    def files(self) -> list[tuple[str, Path]]:
        found: dict[str, Path] = {}
        for source in self.sources:
            for relative, path in _package_files(source):
                if not any(relative == ex or relative.startswith(ex + "/") for ex in self.excluded):
                    found.setdefault(relative, path)
        return sorted(found.items())

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for relative, path in self.files():
            digest.update(relative.encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        return digest.hexdigest()

    def try_bundle(self, output_dir: str, *args: Any, **kwargs: Any) -> bool:
        out = Path(output_dir)
        for relative, path in self.files():
            target = out / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        return True


def module_source(module: str, code_path: Path | None = None) -> CodeSource:
    """The top-level package (or module file) that must ship for `module` to import in Lambda.

    The whole top-level package ships, not just the module, because activities import siblings
    (configuration, models, shared clients) freely.
    """
    top = module.split(".")[0]
    if code_path is not None:
        for candidate in (code_path / top, code_path / f"{top}.py"):
            if candidate.exists():
                return CodeSource(candidate, candidate.name)
        raise OrchestrationConfigError(
            f"code_path={code_path} has no package or module {top!r} (needed for activity module {module!r})"
        )
    spec = importlib.util.find_spec(top)
    if spec is None:
        raise OrchestrationConfigError(f"cannot locate module {top!r} to package activity module {module!r}")
    if spec.submodule_search_locations:
        return CodeSource(Path(next(iter(spec.submodule_search_locations))), top)
    if spec.origin and spec.origin.endswith(".py"):
        return CodeSource(Path(spec.origin), f"{top}.py")
    raise OrchestrationConfigError(
        f"activity module {module!r} is not plain Python source ({spec.origin}); it cannot be packaged"
    )


def requirements_candidates(module_file: Path, package_root: Path) -> list[Path]:
    """Where a module's requirements.txt is looked for, nearest first: its folder, then each
    parent up to its top-level package's folder."""
    folder = module_file.parent
    root = package_root if package_root.is_dir() else package_root.parent
    candidates = []
    while True:
        candidates.append(folder / "requirements.txt")
        if folder == root or root not in folder.parents:
            return candidates
        folder = folder.parent


def find_requirements(module_file: Path, package_root: Path) -> Path | None:
    """The nearest requirements.txt from the activity module's folder up to its top-level package."""
    return next((c for c in requirements_candidates(module_file, package_root) if c.is_file()), None)


def looked_in(candidates: list[Path]) -> str:
    """`candidates` for an error message."""
    return "looked for " + ", ".join(str(c) for c in candidates)
