"""Compile time per orchestrator (target: under 50 ms for the reference orchestrators).

Each orchestrator is compiled from source the way `durable-sfn compile` does it (parse, resolve
activity names from the source of imported modules, lower, fold, name, render); the figure is the
median of several runs after one warm-up.

    python -m benchmarks compile_speed
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from durable_sfn.compiler.api import compile_function, parse_source
from durable_sfn.compiler.discovery import find_orchestrators, module_info

ROOT = Path(__file__).parents[1]
FOLDERS = [ROOT / "statemachines", ROOT / "tests" / "compiler" / "golden"]
TARGET_MS = 50.0
RUNS = 15


def time_file(path: Path) -> list[tuple[str, float, int]]:
    """[(orchestrator, median ms, states)] for each orchestrator in `path`."""
    source = path.read_text(encoding="utf-8")
    rows = []
    for found in find_orchestrators(parse_source(source, str(path))):
        samples = []
        states = 0
        for i in range(RUNS + 1):
            started = time.perf_counter()
            tree = parse_source(source, str(path))
            info = module_info(tree, path.resolve())
            node = next(f.function for f in find_orchestrators(tree) if f.name == found.name)
            definition = compile_function(node, found.name, str(path), source, info)
            elapsed = (time.perf_counter() - started) * 1000
            if i:  # the first run warms caches (imports, parsed activity modules)
                samples.append(elapsed)
            states = _count_states(definition)
        rows.append((found.name, statistics.median(samples), states))
    return rows


def _count_states(scope: dict[str, Any]) -> int:
    total = 0
    for state in scope["States"].values():
        total += 1
        if "ItemProcessor" in state:
            total += _count_states(state["ItemProcessor"])
        for branch in state.get("Branches", []):
            total += _count_states(branch)
    return total


def main() -> int:
    worst = 0.0
    print(f"{'orchestrator':<36} {'source':<44} {'states':>6} {'median ms':>10}")
    for folder in FOLDERS:
        for path in sorted(folder.glob("*.py")):
            for name, ms, states in time_file(path):
                worst = max(worst, ms) if folder.name == "statemachines" else worst
                flag = "" if ms < TARGET_MS else "  OVER TARGET"
                print(f"{name:<36} {path.relative_to(ROOT)!s:<44} {states:>6} {ms:>10.2f}{flag}")
    print(f"slowest reference orchestrator: {worst:.2f} ms (target < {TARGET_MS:.0f} ms)")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
