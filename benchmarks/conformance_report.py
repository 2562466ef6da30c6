"""Print the engine's pass rate on the AWS-recorded conformance corpus, per feature.

    python -m benchmarks.conformance_report            # the table
    python -m benchmarks.conformance_report --failures # plus every failing case and why

It runs the same cases, the same way, as tests/engine/test_conformance.py.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from durable_sfn.engine.api.client import LocalStepFunctions
from tests.engine.test_conformance import CORPUS_DIR, KNOWN_DEVIATIONS, load_cases, load_compare, run_case


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="list every failing case with the reason")
    parser.add_argument("--feature", action="append", help="only run these features (repeatable)")
    args = parser.parse_args(argv)

    cases = load_cases()
    if not cases:
        print(f"conformance corpus not found at {CORPUS_DIR}")
        return
    judge = load_compare()
    client = LocalStepFunctions()
    totals: Counter[str] = Counter()
    passed: Counter[str] = Counter()
    failures: list[tuple[str, str, str]] = []
    started = time.perf_counter()
    for index, case in enumerate(cases):
        feature = case["feature"]
        if args.feature and feature not in args.feature:
            continue
        totals[feature] += 1
        try:
            ok, reason = run_case(client, case, index, judge)
        except Exception as exc:  # a crash is a failure to report, not a reason to stop
            ok, reason = False, f"{type(exc).__name__}: {exc}"
        if ok:
            passed[feature] += 1
        else:
            failures.append((feature, case["id"], reason))
    elapsed = time.perf_counter() - started

    print(f"{'feature':<30} {'passed':>7} {'total':>6} {'rate':>8}")
    for feature, total in totals.most_common():
        print(f"{feature:<30} {passed[feature]:>7} {total:>6} {passed[feature] / total:>8.1%}")
    all_total, all_passed = sum(totals.values()), sum(passed.values())
    print(f"{'overall':<30} {all_passed:>7} {all_total:>6} {all_passed / max(all_total, 1):>8.1%}")
    print(f"known deviations listed: {len(KNOWN_DEVIATIONS)}; wall time {elapsed:.1f} s")
    if args.failures:
        for feature, case_id, reason in failures:
            known = " (known)" if case_id in KNOWN_DEVIATIONS else ""
            print(f"\n[{feature}]{known} {case_id}\n    {reason[:400]}")


if __name__ == "__main__":
    main()
