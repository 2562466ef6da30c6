"""Compile time against orchestrator size: generated orchestrators of 500, 1,000, 2,000 and 5,000
statements in four shapes (straight-line code, nested ifs, loops, try blocks), each compiled from
source the way `durable-sfn compile` does it. Compile time must grow linearly: the target is
5,000 statements in under 2 s, and at most 15 times the time of 500 statements.

    python -m benchmarks compile_scaling
    python -m benchmarks.compile_scaling --sizes 500 5000 --shapes ifs
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from durable_sfn.compiler import CompileError, compile_source

SIZES = (500, 1_000, 2_000, 5_000)
TARGET_SECONDS = 2.0
TARGET_RATIO = 15.0

HEADER = """\
from datetime import timedelta

from durable_sfn import OrchestrationContext, activity, orchestrator


class StepFailed(Exception):
    pass


@activity(name="Step")
def step(value):
    return value


@orchestrator(name="Generated")
async def generated(ctx: OrchestrationContext):
    data = ctx.get_input()
    total = 0
    items = [1, 2, 3]
"""


def _unit(i: int) -> list[str]:
    """Four statements: an activity call, arithmetic, a custom status and a dict update."""
    return [
        f"r{i} = await ctx.call_activity(step, {{'n': {i}, 'total': total}})",
        f"total = total + {i % 7 + 1}",
        f"ctx.set_custom_status({{'step': {i}}})",
        f"data = {{**data, 'last': r{i}}}" if i % 2 else f"items = items + [{i}]",
    ]


def straight(n: int) -> list[str]:
    lines: list[str] = []
    i = 0
    while len(lines) < n:
        lines += _unit(i)
        i += 1
    return lines[:n]


def ifs(n: int) -> list[str]:
    """`if` statements, nested four deep, then again from the top."""
    lines: list[str] = []
    depth = 0
    i = 0
    while len(lines) < n:
        indent = "    " * depth
        if depth < 4:
            lines.append(f"{indent}if total > {i}:")
            depth += 1
        else:
            lines += [indent + s for s in _unit(i)[:2]]
            lines.append(f"{'    ' * (depth - 1)}else:")
            lines.append(f"{indent}total = total - {i % 5}")
            depth = 0
        i += 1
    while depth:  # close an open `if`
        lines.append("    " * depth + "pass")
        depth -= 1
    return lines


def loops(n: int) -> list[str]:
    """for and while loops with a few statements in each body."""
    lines: list[str] = []
    i = 0
    while len(lines) < n:
        if i % 2:
            lines.append(f"for x{i} in items:")
            lines += ["    " + s for s in _unit(i)[:3]]
            lines.append(f"    total = total + x{i}")
        else:
            lines.append(f"while total < {i}:")
            lines += ["    " + s for s in _unit(i)[:3]]
        i += 1
    return lines


def tries(n: int) -> list[str]:
    """try / except / finally blocks around activity calls."""
    lines: list[str] = []
    i = 0
    while len(lines) < n:
        lines.append("try:")
        lines += ["    " + s for s in _unit(i)]
        lines.append("except StepFailed as err:")
        lines.append(f"    total = total - {i}")
        if i % 3 == 0:
            lines.append("finally:")
            lines.append(f"    ctx.set_custom_status('after {i}')")
        i += 1
    return lines


SHAPES: dict[str, Callable[[int], list[str]]] = {
    "straight": straight,
    "ifs": ifs,
    "loops": loops,
    "tries": tries,
}


def source(shape: str, n: int) -> str:
    body = SHAPES[shape](n)
    return HEADER + "".join(f"    {line}\n" for line in body) + "    return total\n"


def time_compile(text: str) -> tuple[float, bool]:
    """CPU seconds of one compile (the machine may be shared: wall time would count the others),
    and whether the definition was accepted (the largest ones are over Step Functions' 1 MiB
    limit and are refused at the end, which the time includes)."""
    started = time.process_time()
    try:
        compile_source(text, "generated.py")
        accepted = True
    except CompileError as exc:
        assert all(d.code == "DSF032" for d in exc.diagnostics), exc
        accepted = False
    return time.process_time() - started, accepted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--shapes", nargs="*", default=list(SHAPES))
    args = parser.parse_args(argv or [])
    ok = True
    print(f"{'shape':<10}" + "".join(f"{n:>10,}" for n in args.sizes) + f"{'ratio':>10}")
    for shape in args.shapes:
        runs = [time_compile(source(shape, n)) for n in args.sizes]
        times = [t for t, _ in runs]
        ratio = times[-1] / times[0] if times[0] else 0.0
        cells = "".join(f"{t:>8.2f}s{'' if accepted else '*'}" for t, accepted in runs)
        print(f"{shape:<10}{cells}{ratio:>10.1f}")
        if args.sizes[-1] >= 5_000 and args.sizes[0] <= 500:
            ok &= times[-1] < TARGET_SECONDS and ratio < TARGET_RATIO
    print("* refused: the definition is over Step Functions' 1 MiB limit (DSF032), found after compiling")
    print(f"target: 5,000 statements < {TARGET_SECONDS:.0f} s and 5,000/500 < {TARGET_RATIO:.0f}")
    return 0 if ok else 1


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
