"""Fail-fast fan-out is deterministic: the same Lambda calls on every run, whatever the threads do.

On AWS every iteration a Map starts (up to MaxConcurrency) and every Parallel branch begins its
first state at effectively the same moment, so their Lambda invocations happen before a
sibling's failure can stop them; a stopped branch finishes its current state and goes no
further. Each test repeats the run many times: a race would show up as a different call set.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from tests.engine.support import events, jsonata, new_client, run

RUNS = 50


class Calls:
    """In-process Lambda handlers that record which (function, item) pairs were invoked."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.seen: list[tuple[str, Any]] = []

    def handler(self, function: str, fail_on: Any = object()) -> Callable[[Any, Any], Any]:
        def handle(event: Any, context: Any) -> Any:
            with self._lock:
                self.seen.append((function, event))
            if event == fail_on:
                raise ValueError(f"item {event} is broken")
            return event

        return handle

    def as_set(self) -> frozenset[tuple[str, Any]]:
        return frozenset(self.seen)


def invoke(function: str, next_state: str | None = None) -> dict[str, Any]:
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": {"FunctionName": function, "Payload": "{% $states.input %}"},
        "Output": "{% $states.result.Payload %}",
    }
    if next_state is None:
        state["End"] = True
    else:
        state["Next"] = next_state
    return state


def map_definition(max_concurrency: int | None = None) -> dict[str, Any]:
    each: dict[str, Any] = {
        "Type": "Map",
        "Items": "{% $states.input %}",
        "ItemProcessor": {
            "StartAt": "First",
            "States": {"First": invoke("First", "Second"), "Second": invoke("Second")},
        },
        "End": True,
    }
    if max_concurrency is not None:
        each["MaxConcurrency"] = max_concurrency
    return jsonata({"Each": each})


def repeat(definition: dict[str, Any], value: Any, handlers: dict[str, Any]) -> set[frozenset[Any]]:
    """Run `definition` RUNS times on fresh engines; the distinct call sets seen."""
    outcomes: set[frozenset[Any]] = set()
    for _ in range(RUNS):
        calls = Calls()
        sfn = new_client()
        for function, fail_on in handlers.items():
            sfn.register_lambda(function, calls.handler(function, fail_on))
        result = run(sfn, definition, value)
        assert result["status"] == "FAILED"
        assert result["error"] == "ValueError"
        outcomes.add(calls.as_set())
    return outcomes


def test_map_item_failing_first_still_lets_every_started_item_make_its_call() -> None:
    items = [1, 2, 3, 4, 5, 6]
    seen = repeat(map_definition(), items, {"First": 1, "Second": None})
    # Every item's first Lambda runs (they all start together); nobody reaches "Second",
    # because the failure stops the others at their next state boundary.
    assert seen == {frozenset(("First", i) for i in items)}


def test_map_starts_only_max_concurrency_items_before_the_failure_stops_it() -> None:
    seen = repeat(map_definition(max_concurrency=2), [1, 2, 3, 4, 5, 6], {"First": 1, "Second": None})
    assert seen == {frozenset({("First", 1), ("First", 2)})}


def test_parallel_branches_all_call_their_lambda_before_a_sibling_failure_stops_them() -> None:
    branches = [
        {
            "StartAt": f"B{i}",
            "States": {f"B{i}": {**invoke("Work"), "Arguments": {"FunctionName": "Work", "Payload": i}}},
        }
        for i in (1, 2, 3)
    ]
    definition = jsonata({"All": {"Type": "Parallel", "Branches": branches, "End": True}})
    seen = repeat(definition, {}, {"Work": 1})
    assert seen == {frozenset(("Work", i) for i in (1, 2, 3))}


def test_a_later_failure_stops_siblings_after_the_state_they_run_in_the_same_round() -> None:
    # Branch A fails in its second state. Branch B runs its second state in that same round
    # and stops before its third, on every run.
    def chain(prefix: str, length: int) -> dict[str, Any]:
        names = [f"{prefix}{i}" for i in range(1, length + 1)]
        states = {
            name: {
                **invoke("Step", names[i + 1] if i + 1 < length else None),
                "Arguments": {"FunctionName": "Step", "Payload": name},
            }
            for i, name in enumerate(names)
        }
        return {"StartAt": names[0], "States": states}

    definition = jsonata(
        {"All": {"Type": "Parallel", "Branches": [chain("A", 2), chain("B", 4)], "End": True}}
    )
    seen = repeat(definition, {}, {"Step": "A2"})
    assert seen == {frozenset(("Step", name) for name in ("A1", "A2", "B1", "B2"))}


def test_stopped_iterations_are_recorded_as_aborted_after_their_call() -> None:
    calls = Calls()
    sfn = new_client()
    sfn.register_lambda("First", calls.handler("First", 1))
    sfn.register_lambda("Second", calls.handler("Second"))
    result = run(sfn, map_definition(), [1, 2, 3])
    kinds = [e["type"] for e in events(sfn, result)]
    assert kinds.count("MapIterationFailed") == 1
    assert kinds.count("MapIterationAborted") == 2
    # Each aborted iteration finished its Lambda task before stopping.
    assert kinds.count("TaskSucceeded") == 2
    assert result["error"] == "ValueError"


def test_a_sibling_waiting_on_time_is_stopped_at_once() -> None:
    # Stopping rounds never hold back virtual time: the waiting branch is woken, not waited for.
    sfn = new_client()
    sfn.register_lambda("Work", Calls().handler("Work", 1))
    waiting = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 86_400, "End": True}}}
    failing = {
        "StartAt": "F",
        "States": {"F": {**invoke("Work"), "Arguments": {"FunctionName": "Work", "Payload": 1}}},
    }
    definition = jsonata({"All": {"Type": "Parallel", "Branches": [waiting, failing], "End": True}})
    result = run(sfn, definition, {})
    assert result["status"] == "FAILED"
    assert (result["stopDate"] - result["startDate"]).total_seconds() == 0


def test_items_started_after_a_slot_frees_follow_the_same_rounds() -> None:
    # MaxConcurrency 2: items 1 and 2 run First then Second; their slots free up and items 3
    # and 4 start together; 3 fails in First, so 4 still makes its call and 5, 6 never start.
    seen = repeat(map_definition(max_concurrency=2), [1, 2, 3, 4, 5, 6], {"First": 3, "Second": None})
    first = {("First", i) for i in (1, 2, 3, 4)}
    assert seen == {frozenset(first | {("Second", 1), ("Second", 2)})}


def test_a_failure_inside_a_nested_map_stops_the_outer_sibling_deterministically() -> None:
    # The failing Map's items all call First; the sibling branch keeps stepping until the
    # failure has reached the Parallel, in the same rounds on every run.
    inner = map_definition()["States"]["Each"]
    nested = {"StartAt": "Inner", "States": {"Inner": {**inner, "Items": "{% [1, 2, 3] %}"}}}
    sibling = {
        "StartAt": "S1",
        "States": {
            name: {**invoke("Step", nxt), "Arguments": {"FunctionName": "Step", "Payload": name}}
            for name, nxt in (("S1", "S2"), ("S2", "S3"), ("S3", "S4"), ("S4", None))
        },
    }
    definition = jsonata({"All": {"Type": "Parallel", "Branches": [nested, sibling], "End": True}})
    seen = repeat(definition, {}, {"First": 1, "Second": None, "Step": None})
    assert len(seen) == 1
    (calls,) = seen
    assert {c for c in calls if c[0] == "First"} == {("First", 1), ("First", 2), ("First", 3)}
    assert ("Second", 2) not in calls


def test_on_the_real_clock_every_branch_still_makes_its_first_call() -> None:
    # Real time has no rounds, but the first wave is started whatever a fast sibling does, and
    # a branch waiting afterwards is woken by the failure rather than waited for.
    from durable_sfn.engine import LocalStepFunctions
    from durable_sfn.engine.clock import RealClock

    def branch(i: int) -> dict[str, Any]:
        task = {**invoke("Work", f"Wait{i}"), "Arguments": {"FunctionName": "Work", "Payload": i}}
        return {
            "StartAt": f"T{i}",
            "States": {f"T{i}": task, f"Wait{i}": {"Type": "Wait", "Seconds": 30, "End": True}},
        }

    definition = jsonata(
        {"All": {"Type": "Parallel", "Branches": [branch(i) for i in (1, 2, 3)], "End": True}}
    )
    for _ in range(20):
        calls = Calls()
        sfn = LocalStepFunctions(clock=RealClock())
        sfn.register_lambda("Work", calls.handler("Work", 1))
        result = run(sfn, definition, {})
        assert result["error"] == "ValueError"
        assert calls.as_set() == {("Work", 1), ("Work", 2), ("Work", 3)}
