"""Our JSONata evaluators against jsonata-js (the npm package AWS Step Functions runs), and their speed.

    python -m benchmarks.jsonata_differential                   # >= 100,000 comparisons per evaluator
    python -m benchmarks.jsonata_differential --target 20000    # a shorter run
    python -m benchmarks.jsonata_differential --examples 3      # 3 full examples per cause, not every one

Cases: every expression the compiler emits for the repository's orchestrators and for generated
ones (tests/engine/jsonata_js/generate.py), with drawn bindings; every expression of the
AWS-recorded conformance corpus with the bindings its run gave it, and with drawn ones. Each
evaluator is compared with jsonata-js on results and error codes; every difference is printed
under the cause that explains it (tests/engine/jsonata_js/causes.py), or as UNEXPLAINED. The
cases the engine's compiled programs evaluate (engine/jsonata_compiled.py) are counted and must
agree with jsonata-js, but for differences of an accepted cause (listed). Then the time per evaluation of each evaluator on the compiled reference workflows' expressions and
on the corpus's, beside jsonata-js's own (measured inside Node).

`make bench` runs it with the default target (five to ten minutes on two cores). The figures and
the choice of evaluator they support: benchmarks/jsonata_evaluators.md.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from tests.engine.jsonata_js import node, sources
from tests.engine.jsonata_js.evaluators import EVALUATORS, env_from_bindings
from tests.engine.jsonata_js.harness import NONDETERMINISTIC, compare, evaluate_js
from tests.engine.jsonata_js.sources import Case

DEFAULT_TARGET = 100_000
ROUNDS = 5


def build_cases(target: int, seed: int) -> tuple[list[Case], list[Case], list[Case]]:
    """(all cases, the compiled reference workflows' cases, the corpus's cases)."""
    repository = sources.repository_expressions()
    reference = list(sources.with_bindings(sorted(repository), "repository", 20, seed))
    recorded = sources.conformance_cases()
    corpus_expressions = sorted({c.expression for c in recorded})
    corpus = recorded + list(
        sources.with_bindings(corpus_expressions, "conformance (drawn bindings)", 20, seed)
    )
    cases = reference + corpus
    batch = 0
    while len(cases) < target:
        batch += 1
        generated = sources.generated_expressions(seed * 1000 + batch, 500)
        cases.extend(sources.with_bindings(generated, "generated", 4, seed * 1000 + batch))
    return cases, reference, recorded


def timing_cases(cases: Sequence[Case], limit: int) -> list[Case]:
    """Deterministic cases, one per expression, at most `limit`."""
    seen: set[str] = set()
    out = []
    for case in cases:
        if case.expression in seen or NONDETERMINISTIC.search(case.expression):
            continue
        seen.add(case.expression)
        out.append(case)
        if len(out) >= limit:
            break
    return out


def micros_per_evaluation(evaluate: Callable[[str, Any, str], Any], case: Case, repeat: int) -> float:
    """The best of five rounds of `repeat // 5` evaluations: the machine is shared, and the minimum
    is the figure least disturbed by other work."""
    expression = "{% " + case.expression + " %}"
    env = env_from_bindings(case.bindings)
    per_round = max(1, repeat // ROUNDS)
    best = math.inf
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(per_round):
            with contextlib.suppress(Exception):  # an error is a result too: timed all the same
                evaluate(expression, env, "Bench")
        best = min(best, (time.perf_counter() - started) / per_round * 1e6)
    return best


def js_micros_per_evaluation(js: node.JsonataJs, case: Case, repeat: int) -> float:
    per_round = max(1, repeat // ROUNDS)
    return min(js.time_per_evaluation(case.expression, case.bindings, per_round) for _ in range(ROUNDS))


def speed_table(title: str, cases: Sequence[Case], js: node.JsonataJs, repeat: int) -> None:
    from durable_sfn.engine import jsonata

    def full(expression: str, env: Any, field: str) -> Any:
        saved = jsonata._program
        jsonata._program = lambda body: None  # type: ignore[assignment]
        try:
            return jsonata.evaluate_expression(expression, env, field)
        finally:
            jsonata._program = saved  # type: ignore[method-assign]

    evaluators: dict[str, Callable[[str, Any, str], Any]] = {
        "engine (compiled)": jsonata.evaluate_expression,
        "jsonata-python": full,
    }
    try:
        from durable_sfn.engine import jsonata_fast

        evaluators["jsonatapy"] = jsonata_fast.evaluate_expression
    except ImportError:
        pass
    print(
        f"\n{title}: microseconds per evaluation over {len(cases)} expressions "
        f"(best of {ROUNDS} rounds of {max(1, repeat // ROUNDS)} runs each)"
    )
    print(f"  {'evaluator':<16} {'mean':>9} {'median':>9} {'p90':>9} {'max':>9}")
    rows: dict[str, list[float]] = {}
    for name, evaluate in evaluators.items():
        for case in cases:  # warm the parse caches first
            micros_per_evaluation(evaluate, case, 1)
        rows[name] = [micros_per_evaluation(evaluate, case, repeat) for case in cases]
    rows["jsonata-js (Node)"] = [js_micros_per_evaluation(js, c, repeat) for c in cases]
    for name, values in rows.items():
        ordered = sorted(values)
        print(
            f"  {name:<16} {statistics.fmean(values):>9.1f} {statistics.median(values):>9.1f} "
            f"{ordered[int(len(ordered) * 0.9)]:>9.1f} {ordered[-1]:>9.1f}"
        )


def compiled_path(cases: Sequence[Case], js_outcomes: Sequence[Any]) -> int:
    """Compare the cases the compiled programs evaluate (no run-time hand-back to the full
    evaluator) with jsonata-js; print the counts and every difference. Returns the differences."""
    from durable_sfn.engine import jsonata, jsonata_compiled
    from tests.engine.jsonata_js.evaluators import engine_evaluator
    from tests.engine.jsonata_js.harness import agree, explain

    evaluate = engine_evaluator(jsonata.evaluate_expression)
    compiled_expressions = {c.expression for c in cases if jsonata._program(c.expression) is not None}
    through, handed_back, differences, accepted = 0, 0, [], []
    for case, expected in zip(cases, js_outcomes, strict=True):
        program = jsonata._program(case.expression)
        if program is None:
            continue
        try:
            program.run(env_from_bindings(case.bindings))
        except jsonata_compiled.Fallback:
            handed_back += 1
            continue
        except Exception:
            pass  # an error is an outcome, compared below
        through += 1
        ours = evaluate(case.expression, case.bindings)
        if not agree(case, expected, ours):
            cause = explain(case, expected, ours, "jsonata-python")
            if cause is not None and cause.verdict == "accepted":
                accepted.append(f"    [{cause.name}] {case.expression[:160]!r}")
                continue
            differences.append(
                f"    {case.expression[:200]!r}: js {expected.describe()[:100]} / ours {ours.describe()[:100]}"
            )
    distinct = len({c.expression for c in cases})
    print(
        f"\ncompiled path: {len(compiled_expressions)} of {distinct} distinct expressions compile; "
        f"{through} of {len(cases)} cases evaluated compiled ({handed_back} more handed back to the full "
        f"evaluator at run time); {len(differences)} differ from jsonata-js, and {len(accepted)} more "
        "by an accepted cause"
    )
    print("\n".join(differences + accepted))
    return len(differences)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--target", type=int, default=DEFAULT_TARGET, help="comparisons per evaluator")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--evaluator", action="append", choices=sorted(EVALUATORS), help="repeatable")
    parser.add_argument(
        "--examples", type=int, default=None, help="full examples per cause (default: all, one line)"
    )
    parser.add_argument("--repeat", type=int, default=200, help="runs per expression in the timing")
    args = parser.parse_args(argv)

    reason = node.available()
    if reason is not None:
        print(f"jsonata-js cannot run: {reason}")
        return 1
    started = time.perf_counter()
    cases, reference, recorded = build_cases(args.target, args.seed)
    origins = Counter(c.origin.split(":")[0].split(" (")[0] for c in cases)
    print(f"{len(cases)} cases, {len({c.expression for c in cases})} distinct expressions: {dict(origins)}")
    print(f"  built in {time.perf_counter() - started:.1f} s")
    unexplained = 0
    with node.JsonataJs() as js:
        print(f"jsonata-js {js.version()} (the npm package)")
        t0 = time.perf_counter()
        js_outcomes = evaluate_js(cases, js)
        print(
            f"  jsonata-js evaluated them in {time.perf_counter() - t0:.1f} s (with the JSON-lines round trips)"
        )
        for name in args.evaluator or sorted(EVALUATORS):
            evaluator = EVALUATORS[name]()
            if evaluator is None:
                print(f"\n{name}: not installed, skipped")
                continue
            report = compare(cases, js_outcomes, evaluator, name)
            unexplained += len(report.unexplained)
            print()
            print(report.render(examples=args.examples))
            agreeing = report.compared - len(report.differences)
            print(
                f"  agreement: {agreeing / report.compared:.3%} of results and error codes; "
                f"{(agreeing - len(report.message_differences)) / report.compared:.3%} also word every error "
                f"text as jsonata-js; {report.seconds_ours / report.compared * 1e6:.0f} us per case in the harness"
            )
        unexplained += compiled_path(cases, js_outcomes)
        speed_table("Compiled reference workflows", timing_cases(reference, 400), js, args.repeat)
        speed_table("Conformance corpus", timing_cases(recorded, 400), js, args.repeat)
    print(f"\n({time.perf_counter() - started:.0f} s in all)")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
