"""Map iterations start in index order, as AWS starts them.

An inline Map's history shows MapIterationStarted for index 0, 1, 2, ... in that order, with or
without MaxConcurrency, even though the iterations then run concurrently on several threads.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.support import events, jsonata, new_client, output, run

ITEMS = 24


def _map(max_concurrency: int | None) -> dict[str, Any]:
    state: dict[str, Any] = {
        "Type": "Map",
        "Items": f"{{% [0..{ITEMS - 1}] %}}",
        "ItemProcessor": {
            "StartAt": "Double",
            "States": {"Double": {"Type": "Pass", "Output": "{% $states.input * 2 %}", "End": True}},
        },
        "End": True,
    }
    if max_concurrency is not None:
        state["MaxConcurrency"] = max_concurrency
    return jsonata({"M": state})


@pytest.mark.parametrize("max_concurrency", [None, 1, 5, 40])
def test_inline_map_iterations_start_in_index_order(max_concurrency: int | None) -> None:
    sfn = new_client()
    definition = _map(max_concurrency)
    for attempt in range(3):  # thread timing differs between runs; the order must not
        result = run(sfn, definition, exec_name=f"run-{attempt}")
        assert output(result) == [2 * i for i in range(ITEMS)]
        started = [
            e["mapIterationStartedEventDetails"]["index"]
            for e in events(sfn, result)
            if e["type"] == "MapIterationStarted"
        ]
        assert started == list(range(ITEMS))


def test_iterations_stopped_before_starting_do_not_hold_up_later_ones() -> None:
    # A failing iteration stops the Map: the iterations not yet started never start, and the
    # ones started are in index order (none waits for an index that was skipped).
    sfn = new_client()
    definition = jsonata(
        {
            "M": {
                "Type": "Map",
                "Items": "{% [0..29] %}",
                "MaxConcurrency": 3,
                "ItemProcessor": {
                    "StartAt": "Check",
                    "States": {
                        "Check": {
                            "Type": "Choice",
                            "Choices": [{"Condition": "{% $states.input = 4 %}", "Next": "Boom"}],
                            "Default": "Ok",
                        },
                        "Boom": {"Type": "Fail", "Error": "Boom", "Cause": "item 4"},
                        "Ok": {"Type": "Pass", "End": True},
                    },
                },
                "End": True,
            }
        }
    )
    result = run(sfn, definition)
    assert result["status"] == "FAILED" and result["error"] == "Boom"
    started = [
        e["mapIterationStartedEventDetails"]["index"]
        for e in events(sfn, result)
        if e["type"] == "MapIterationStarted"
    ]
    assert started == list(range(len(started)))
    assert 4 in started and len(started) < 30


def test_fan_out_starts_branches_in_index_order_whatever_the_thread_timing() -> None:
    # The mechanism under both Map modes (a Distributed Map's iterations have no events in the
    # parent history): each branch's on_start runs in index order, while the work itself
    # overlaps and the worker threads take their indices in any order.
    import random
    import time

    from durable_sfn.engine.branch import Branch
    from durable_sfn.engine.clock import RealClock
    from durable_sfn.engine.fanout import fan_out
    from durable_sfn.engine.history import History

    clock = RealClock()
    history = History(clock)
    started: list[int] = []
    jitter = random.Random(7)
    delays = [jitter.uniform(0, 0.002) for _ in range(60)]

    def work(index: int, branch: Branch) -> int:
        time.sleep(delays[index])
        return index

    def on_start(index: int, branch: Branch) -> None:
        time.sleep(delays[-1 - index] / 2)  # a slow start must still hold later ones back
        started.append(index)

    outcomes = fan_out(
        clock,
        60,
        8,
        lambda index: Branch(clock, history, {}),
        work,
        lambda outcome: True,
        on_start=on_start,
    )
    assert [o.value for o in outcomes] == list(range(60))
    assert started == list(range(60))
