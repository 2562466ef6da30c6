"""Whether a Distributed Map's children may run as Express executions, and if not, why.

Express child executions cost a fraction of Standard ones, but run at most five minutes and
support neither the `.sync` nor the `.waitForTaskToken` integration patterns. A child body that
only calls activities (Lambda request-response) and whose Retry waits stay well under five
minutes qualifies; one that waits for a timer, an event, a callback or a sub-orchestration does
not.
"""

from __future__ import annotations

from collections.abc import Iterator

from durable_sfn.compiler.backend.states import Graph, Retrier, State

EXPRESS_SECONDS = 300
# The Retry waits a child may add up to before its activities' own run time is counted.
RETRY_BUDGET_SECONDS = 120


def standard_reason(graph: Graph) -> str | None:
    """Why the children must be Standard executions, or None when Express will do."""
    for state in _states(graph):
        resource = state.resource or ""
        if resource.endswith(".waitForTaskToken"):
            return f"'{state.name}' waits for a callback (.waitForTaskToken)"
        if ".sync" in resource:
            return f"'{state.name}' waits for a child execution (.sync)"
        if state.type == "Wait":
            return f"'{state.name}' waits for a timer"
        waits = _retry_seconds(state.retry)
        if waits > RETRY_BUDGET_SECONDS:
            return f"the Retry of '{state.name}' may wait {waits:.0f} s"
    return None


def _states(graph: Graph) -> Iterator[State]:
    for state in graph.states.values():
        yield state
        if state.processor is not None:
            yield from _states(state.processor)
        for branch in state.branches:
            yield from _states(branch)


def _retry_seconds(retriers: tuple[Retrier, ...]) -> float:
    """The longest the Retry of one state may wait in total (each retrier to its last attempt)."""
    total = 0.0
    for r in retriers:
        for attempt in range(r.max_attempts):
            delay = r.interval_seconds * r.backoff_rate**attempt
            if r.max_delay_seconds is not None:
                delay = min(delay, r.max_delay_seconds)
            total += delay
    return total
