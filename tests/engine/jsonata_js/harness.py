"""Compare an evaluator with jsonata-js over cases, and explain each difference by a known cause.

`compare(cases, js, evaluator)` evaluates every case on both sides and returns a `Report`:
how many were compared, and each difference with the `Cause` that explains it (see causes.py),
or none. Expressions whose value is not deterministic ($now, $millis, $random, $uuid) are
compared on the kind and JSON type of the result only.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from tests.engine.jsonata_js.causes import CAUSES, Cause
from tests.engine.jsonata_js.evaluators import Evaluator
from tests.engine.jsonata_js.node import JsonataJs, Outcome, same_outcome
from tests.engine.jsonata_js.sources import Case

NONDETERMINISTIC = re.compile(r"\$(now|millis|random|uuid)\s*\(")


@dataclass(frozen=True)
class Difference:
    case: Case
    js: Outcome
    ours: Outcome
    cause: Cause | None

    def one_line(self) -> str:
        return (
            f"{self.case.expression[:160]!r} with {_short(self.case.bindings, 160)}: "
            f"js {self.js.describe()[:100]} / ours {self.ours.describe()[:100]}"
        )

    def render(self) -> str:
        bindings = dict(self.case.bindings)
        return (
            f"    expression: {self.case.expression[:400]}\n"
            f"    bindings:   {_short(bindings)}\n"
            f"    jsonata-js: {self.js.describe()}\n"
            f"    ours:       {self.ours.describe()}\n"
            f"    from:       {self.case.origin}"
        )


def _short(value: object, limit: int = 400) -> str:
    import json

    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "..."


@dataclass
class Report:
    evaluator: str
    compared: int = 0
    differences: list[Difference] = field(default_factory=list)
    message_differences: list[Difference] = field(default_factory=list)
    seconds_ours: float = 0.0

    @property
    def unexplained(self) -> list[Difference]:
        return [d for d in self.differences if d.cause is None]

    def by_cause(self) -> dict[str, list[Difference]]:
        groups: dict[str, list[Difference]] = defaultdict(list)
        for d in self.differences:
            groups[d.cause.name if d.cause else "UNEXPLAINED " + signature(d.js, d.ours)].append(d)
        return dict(sorted(groups.items(), key=lambda kv: -len(kv[1])))

    def render(self, examples: int | None = 2) -> str:
        """The summary, then each cause with its count and explanation and `examples` differences in
        full (None: every difference, one line each)."""
        lines = [
            f"{self.evaluator}: {self.compared} expressions compared with jsonata-js, "
            f"{len(self.differences)} differ ({len(self.unexplained)} unexplained); "
            f"{len(self.message_differences)} more agree on the error code but word the message differently"
        ]
        for name, diffs in self.by_cause().items():
            cause = diffs[0].cause
            verdict = f"[{cause.verdict}] " if cause else ""
            lines.append(f"  {len(diffs):>6}  {verdict}{name}")
            if cause:
                lines.append(f"          {cause.explanation}")
            if examples is None:
                lines.extend(f"          - {d.one_line()}" for d in diffs)
            else:
                lines.extend(d.render() for d in diffs[:examples])
        if self.message_differences:
            lines.append("  error texts worded differently (same code), by code:")
            codes: dict[str, list[Difference]] = defaultdict(list)
            for d in self.message_differences:
                codes[d.js.code].append(d)
            for code, diffs in sorted(codes.items(), key=lambda kv: -len(kv[1])):
                d = diffs[0]
                lines.append(f"  {len(diffs):>6}  {code}: js {d.js.message[:100]!r}")
                lines.append(f"          {'':{len(code)}}  ours {d.ours.message[:100]!r}")
        return "\n".join(lines)


def signature(js: Outcome, ours: Outcome) -> str:
    def one(o: Outcome) -> str:
        return f"error {o.code}" if o.kind == "error" else o.kind

    return f"js {one(js)} / ours {one(ours)}"


def _json_type(o: Outcome) -> str:
    v = o.value
    if v is None:
        return "null"
    return {
        bool: "boolean",
        int: "number",
        float: "number",
        str: "string",
        list: "array",
        dict: "object",
    }.get(type(v), "?")


def agree(case: Case, js: Outcome, ours: Outcome) -> bool:
    if NONDETERMINISTIC.search(case.expression) and js.kind == ours.kind == "value":
        return _json_type(js) == _json_type(ours)
    return same_outcome(js, ours)


def explain(
    case: Case, js: Outcome, ours: Outcome, evaluator: str, causes: Sequence[Cause] = CAUSES
) -> Cause | None:
    for cause in causes:
        if evaluator in cause.evaluators and cause.matches(case, js, ours):
            return cause
    return None


def evaluate_js(cases: Sequence[Case], js: JsonataJs, *, batch: int = 2000) -> list[Outcome]:
    """jsonata-js's outcome for every case (computed once, compared with each evaluator)."""
    out: list[Outcome] = []
    for start in range(0, len(cases), batch):
        out.extend(js.evaluate_many([(c.expression, c.bindings) for c in cases[start : start + batch]]))
    return out


def compare(
    cases: Sequence[Case],
    js_outcomes: Sequence[Outcome],
    evaluator: Evaluator,
    name: str,
    *,
    causes: Sequence[Cause] = CAUSES,
) -> Report:
    report = Report(name)
    started = time.perf_counter()
    for case, a in zip(cases, js_outcomes, strict=True):
        b = evaluator(case.expression, case.bindings)
        report.compared += 1
        if agree(case, a, b):
            if a.kind == "error" and a.message != b.message:
                report.message_differences.append(Difference(case, a, b, None))
            continue
        report.differences.append(Difference(case, a, b, explain(case, a, b, name, causes)))
    report.seconds_ours = time.perf_counter() - started
    return report
