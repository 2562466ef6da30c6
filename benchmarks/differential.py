"""The long differential run: random orchestrators, each compiled and run direct and compiled.

Each program comes from its seed (tests/compiler/differential/generator.py) and runs on three
inputs as plain Python (`run_direct`) and on the local engine (`run_local`). Every program must
be refused with a located diagnostic or agree on status, output, error, cause, custom status,
activity calls and the final state of the program's entity. Prints programs/s and the counts; each differing program is shrunk and saved,
with its seed, input and both results, to the output folder.

    python -m benchmarks differential                      # 200 programs
    python -m benchmarks.differential --programs 10000 [--start SEED] [--out build/differential]
"""

from __future__ import annotations

import argparse
import collections
import re
import signal
import sys
import tempfile
import time
from pathlib import Path

from tests.compiler.differential.generator import program
from tests.compiler.differential.runner import judge
from tests.compiler.differential.shrink import shrink


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=200)
    parser.add_argument("--start", type=int, default=0, help="the first seed")
    parser.add_argument("--out", type=Path, default=Path("build/differential"))
    parser.add_argument("--no-shrink", action="store_true")
    parser.add_argument(
        "--shrink-first",
        type=int,
        default=50,
        help="shrink only this many differences (shrinking takes seconds)",
    )
    args = parser.parse_args(argv or [])
    args.out.mkdir(parents=True, exist_ok=True)
    counts: collections.Counter[str] = collections.Counter()
    refusals: collections.Counter[str] = collections.Counter()
    kinds: collections.Counter[str] = collections.Counter()
    started = time.perf_counter()
    done = 0
    # Stopped early (Ctrl-C, kill), the run still prints what it compared.
    signal.signal(signal.SIGTERM, _interrupt)
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        try:
            done = _run(args, directory, counts, refusals, kinds)
        except KeyboardInterrupt:
            done = counts["agree"] + counts["refused"] + counts["differ"]
            print("stopped early", flush=True)
    elapsed = time.perf_counter() - started
    _print(done, counts, elapsed)
    print(f"runs whose uncaught expression error is named in the Cause only: {counts['uncaught']:,}")
    print(f"runs alike but for the calls of a failed fan-out's branches: {counts['fan-out calls']:,}")
    print(f"runs the compiled program stopped at a documented runtime limit: {counts['runtime limits']:,}")
    print("refused by code: " + ", ".join(f"{code} {n}" for code, n in refusals.most_common()))
    if kinds:
        print("differences by kind: " + ", ".join(f"{kind} {n}" for kind, n in kinds.most_common()))
    return 1 if counts["differ"] else 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _run(
    args: argparse.Namespace,
    directory: Path,
    counts: collections.Counter[str],
    refusals: collections.Counter[str],
    kinds: collections.Counter[str],
) -> int:
    started = time.perf_counter()
    for seed in range(args.start, args.start + args.programs):
        prog = program(seed)
        outcome = judge(prog, directory)
        counts[outcome.verdict] += 1
        counts["uncaught"] += outcome.uncaught_expression_errors
        counts["fan-out calls"] += outcome.failed_fan_out_calls
        counts["runtime limits"] += outcome.runtime_limits
        if outcome.verdict == "refused":
            code = re.search(r"DSF\d+", outcome.detail)
            refusals[code.group(0) if code else "?"] += 1
        elif outcome.verdict == "differ":
            kinds[outcome.kind] += 1
            path = args.out / f"differ_{seed}.py"
            path.write_text(_report(seed, outcome.detail, outcome.detail) + prog.source, encoding="utf-8")
            if not args.no_shrink and counts["differ"] <= args.shrink_first:
                small, small_outcome = shrink(prog, outcome, directory)
                path.write_text(
                    _report(seed, small_outcome.detail, outcome.detail) + small.source, encoding="utf-8"
                )
            print(f"seed {seed}: {outcome.kind} differs; saved to {path}", flush=True)
        done = seed - args.start + 1
        if done % 100 == 0:
            _print(done, counts, time.perf_counter() - started)
    return int(args.programs)


def _print(done: int, counts: collections.Counter[str], elapsed: float) -> None:
    print(
        f"{done:,} programs in {elapsed:.0f} s ({done / elapsed:.1f} programs/s): "
        f"agree {counts['agree']:,}, refused {counts['refused']:,}, differ {counts['differ']:,}",
        flush=True,
    )


def _report(seed: int, shrunk: str, original: str) -> str:
    text = f"seed {seed}\nshrunk:\n{shrunk}\noriginal:\n{original}"
    return "".join(f"# {line}\n" for line in text.splitlines()) + "\n"


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
