"""The package map holds: imports run downward and no module of ours sits in an import cycle.

Every import statement counts, including those inside functions and under `TYPE_CHECKING`: a cycle
closed by a late import is still a cycle a reader has to hold in their head.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "durable_sfn"

# The layers of the package, bottom first. A module may import its own layer or any lower one.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "_aws"),
    ("dsl", "asl", "definitions", "deploy_values"),
    ("entities", "engine", "compiler", "graph", "lambda_entry"),
    ("cdk", "testing", "local", "client"),
    ("cli", "server"),
)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE_ROOT.rglob("*.py"))}


def _imports(name: str, path: Path, modules: dict[str, Path]) -> Iterator[Edge]:
    """Each module of ours that `name` imports; `from pkg import sub` points at `pkg.sub`, not at `pkg`."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules:
                    yield Edge(name, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                if submodule in modules:
                    yield Edge(name, submodule, node.lineno)
                elif module in modules:
                    yield Edge(name, module, node.lineno)


def _graph() -> dict[str, list[Edge]]:
    modules = _modules()
    return {
        name: [e for e in _imports(name, path, modules) if e.target != name] for name, path in modules.items()
    }


def _cycles(graph: dict[str, list[Edge]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = [e.target for e in graph[node]]
            if child < len(targets):
                work.append((node, child + 1))
                target = targets[child]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) < 2:
        return None
    for rank, names in enumerate(LAYERS):
        if parts[1] in names:
            return rank
    return None


def test_no_import_cycles() -> None:
    cycles = _cycles(_graph())
    assert cycles == [], "import cycles among our modules:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_no_module_imports_its_own_package_init() -> None:
    offenders = [
        f"{e.source}:{e.line} imports {e.target}"
        for edges in _graph().values()
        for e in edges
        if e.source.startswith(e.target + ".")
    ]
    assert offenders == []


def test_imports_run_downward() -> None:
    offenders = []
    for edges in _graph().values():
        for e in edges:
            source, target = _layer(e.source), _layer(e.target)
            if e.target == "durable_sfn":
                offenders.append(f"{e.source}:{e.line} imports the public face durable_sfn")
            elif source is not None and target is not None and target > source:
                offenders.append(f"{e.source}:{e.line} imports {e.target} (a higher layer)")
    assert offenders == []


def test_every_top_level_module_has_a_layer() -> None:
    unplaced = sorted({m.split(".")[1] for m in _modules() if "." in m and _layer(m) is None})
    assert unplaced == [], f"add these to LAYERS: {unplaced}"


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": [Edge("a", "b", 1)], "b": [Edge("b", "a", 1)]}, [["a", "b"]]),
        ({"a": [Edge("a", "b", 1)], "b": []}, []),
        ({"a": [Edge("a", "b", 1)], "b": [Edge("b", "c", 1)], "c": [Edge("c", "a", 1)]}, [["a", "b", "c"]]),
    ],
)
def test_the_cycle_finder_finds_cycles(graph: dict[str, list[Edge]], expected: list[list[str]]) -> None:
    assert _cycles(graph) == expected
