"""Run every benchmark script in this folder that defines `main()` and print its figures.

python -m benchmarks            # all of them
python -m benchmarks engine_map # only the named ones
"""

from __future__ import annotations

import importlib
import inspect
import sys
import time
import traceback
from pathlib import Path


def discover() -> list[str]:
    here = Path(__file__).parent
    return sorted(p.stem for p in here.glob("*.py") if not p.stem.startswith("_"))


def main(argv: list[str]) -> int:
    wanted = set(argv)
    failures = 0
    for name in discover():
        if wanted and name not in wanted:
            continue
        module = importlib.import_module(f"benchmarks.{name}")
        entry = getattr(module, "main", None)
        if not callable(entry):
            continue
        print(f"== {name} ==", flush=True)
        started = time.perf_counter()
        try:
            # Scripts with an argv parameter get an empty one, so they use their defaults.
            if inspect.signature(entry).parameters:
                entry([])
            else:
                entry()
        except Exception:
            failures += 1
            traceback.print_exc()
        print(f"   ({time.perf_counter() - started:.1f} s)\n", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
