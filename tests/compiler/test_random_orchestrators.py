"""Random orchestrators over the whole accepted subset: refused with a location, or equal runs.

A fixed slice of the seeded generator (tests/compiler/differential/) runs here; the long run is
`python -m benchmarks.differential --programs 10000`. The regression orchestrators are what
earlier long runs found, reduced, each run direct and compiled.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from durable_sfn.compiler import CompileError, compile_source
from durable_sfn.testing import ScheduledEvent, run_direct, run_local
from tests.compiler.differential import regressions
from tests.compiler.differential.generator import events_of, program
from tests.compiler.differential.runner import (
    compare,
    entity_host,
    entity_states,
    judge,
    load,
    runtime_limit,
    unload,
)

# Seeds 0-15 (0, 4, 8, 10 and 15 signal and call the module's entity), and four that group with `g[k].append(v)` (23), wait for an event without a
# timeout (28), count with `d[k] += v` (56) and wait for events only in a handler that cannot run
# (800208: the compiled definition has no wait, so no events are raised to either run).
SLICE = [*range(0, 16), 23, 28, 56, 800208]


def test_the_same_seed_gives_the_same_program() -> None:
    assert program(7) == program(7)
    assert program(7).source != program(8).source


def test_the_generator_draws_events_key_functions_and_grouping_statements() -> None:
    sources = [program(seed).source for seed in range(60)]
    for construct in [
        r"= await ctx\.wait_for_external_event\('Go\d+'\)",
        r"wait_for_external_event\('\w+', timeout=timedelta\(\w+=\d+\)\)\n\s*except TimeoutError:",
        r"sorted\(.*key=lambda",
        r"(min|max)\(.*key=",
        r"(min|max)\(.*default=",
        r"\.setdefault\(.*, \[\]\)\.append\(",
        r"g\d+\[.*\]\.append\(",
        r"\w+\['[abc]'\] [+-]= ",
    ]:
        assert any(re.search(construct, source) for source in sources), construct


def test_generated_events_are_raised_before_the_run_or_scheduled() -> None:
    values = [value for seed in range(60) for value in program(seed).inputs if "events" in value]
    converted = [events_of(value) for value in values]
    assert all("events" not in data for data, _ in converted)
    assert any(isinstance(events, dict) and events for _, events in converted)
    scheduled = [event for _, events in converted if isinstance(events, list) for event in events]
    assert scheduled and all(isinstance(event, ScheduledEvent) for event in scheduled)
    assert len({event.at for event in scheduled}) > 1


def test_the_generator_signals_then_calls_an_entity_of_the_module_in_some_programs() -> None:
    programs = [program(seed) for seed in range(60)]
    with_entity = [p.source for p in programs if p.uses_entity]
    assert 5 < len(with_entity) < 40
    assert all(
        "@entity" not in p.source and "EntityId" not in p.source for p in programs if not p.uses_entity
    )
    for construct in [
        r"ctx\.signal_entity\((EntityId\('Tally', .*\)|tally\d+), '(add|tag)'.*\)\n\s*\w+ = await ctx\.call_entity\(",
        r"tally\d+ = EntityId\('Tally', \"k\" \+ str\(",
        r"= await ctx\.call_entity\(EntityId\('Tally', '(k0|k1)'\), 'get'\)",
        r"raise (TooLarge|Rejected|ValueError)\(f\"\{amount\} is over \d+\"\)",
    ]:
        assert any(re.search(construct, source) for source in with_entity), construct


def test_the_runner_reads_each_entity_key_after_a_run(tmp_path: Path) -> None:
    """Runs direct and compiled leave the same entity state, read per key on a host of their own
    (on the first generated program whose first input adds to its entity)."""
    for seed in range(200):
        generated = program(seed)
        if not generated.uses_entity or "'add'" not in generated.source:
            continue
        fn = load(generated, tmp_path)
        try:
            states = []
            for run in (run_direct, run_local):
                with entity_host(generated, fn) as host:
                    data, events = events_of(generated.inputs[0])
                    run(fn, data, events=events, entities=host)
                    states.append(entity_states(host))
        finally:
            unload(fn)
        if any(state is not None and state["count"] > 0 for state in states[0].values()):
            break
    else:
        pytest.fail("no generated program adds to its entity")
    assert states[0] == states[1]
    assert set(states[0]) == {"k0", "k1"}


@pytest.mark.parametrize("seed", SLICE)
def test_a_random_orchestrator_is_refused_with_a_location_or_runs_alike(seed: int, tmp_path: Path) -> None:
    outcome = judge(program(seed), tmp_path)
    assert outcome.verdict != "differ", f"seed {seed}: {outcome.detail}"


@pytest.mark.parametrize(
    ("orchestrator", "value"),
    [
        (regressions.dict_displays, {"n": 3, "k1": "a", "k2": "a"}),
        (regressions.dict_displays, {"n": 3, "k1": "a", "k2": "b"}),
        (
            regressions.error_messages,
            {
                "texts": ["b a", "x'y", 'q"', "a\\b", "t\tn\n", "7", "'\"", ""],
                "indexes": [0, 3, -1],
                "xs": [1],
                "s": "ab",
            },
        ),
        (regressions.status_before_failure, {"s": "a", "i": 3, "d": {"k": 2}}),
        (regressions.status_before_failure, {"s": "a", "i": 0, "d": {}}),
        (regressions.status_before_failure, {"s": "a", "i": 0, "d": {"k": 2}}),
        (regressions.fail_before_task, {"xs": []}),
        (regressions.fail_before_task, {"xs": [1, 2, 3, 4, 5]}),
        (regressions.empty_literal_fan_out, {}),
        (regressions.zero_division, {"a": 7, "b": 0, "f": 1.5}),
        (regressions.assigned_before_caught, {"n": 1}),
        (regressions.assigned_before_caught, {"n": 1, "k": 2, "xs": [1]}),
        (regressions.assigned_before_caught, {"n": 0, "k": 2, "xs": [1]}),
        (regressions.overwritten_failure, {"xs": [], "n": 16, "d": {"a": 1}}),
        (regressions.conditionally_overwritten, {"n": 13, "s": "a"}),
        (regressions.fails_before_condition, {"n": 2, "d": {}, "s": "a"}),
        (regressions.failures_in_order, {"n": 15, "xs": [7, 15, 18], "s": "a"}),
        (regressions.failures_in_order, {"n": 1, "xs": [7, 15, 18], "s": "a"}),
        (regressions.failures_in_order, {"n": 1, "xs": [7, 15, 18], "s": "4"}),
        (regressions.fails_before_condition, {"n": 2, "d": {"c": 1}, "s": "a"}),
        (regressions.fails_before_condition, {"n": 2, "d": {"c": 1}, "s": "8"}),
        (regressions.conditionally_overwritten, {"n": 13, "s": "3"}),
        (regressions.overwritten_failure, {"xs": [4], "n": 0, "d": {"a": 1, "b": 2}}),
        (regressions.child_expression_error, {"n": 3, "again": False}),
        (regressions.child_expression_error, {"n": 0, "again": False}),
        (regressions.child_expression_error, {"n": 0, "again": True}),
        (regressions.fan_out_arguments, {"a": 1, "keys": ["a", "b"]}),
        (regressions.fan_out_arguments, {"a": 1, "b": 2, "keys": ["a", "b"]}),
        (regressions.fan_out_arguments, {"a": 1, "b": 2, "c": 3, "keys": ["a", "b", "c"]}),
        (regressions.stopped_branch_finally, {"s": "a", "xs": [1, 5]}),
        (regressions.stopped_branch_finally, {"s": "2", "xs": [1, 5]}),
    ],
)
def test_found_differences_stay_fixed(orchestrator: Any, value: Any) -> None:
    direct, local = run_direct(orchestrator, value), run_local(orchestrator, value)
    calls = "multiset" if orchestrator is regressions.fan_out_arguments else "ordered"
    assert compare(direct, local, calls) == "", (direct, local)


GROWING_LOOP = """
from durable_sfn import OrchestrationContext, orchestrator

@orchestrator(name="GrowWhileLooping")
async def grow_while_looping(ctx: OrchestrationContext):
    xs = ctx.get_input()
    for x in xs:
        if x > 0:
            xs.append(x - 1)
    for k, v in ctx.get_input().items():
        pass
    return xs
"""


def test_a_list_changed_inside_a_loop_over_it_is_refused_where_it_changes() -> None:
    """Python's loop sees the items appended while it runs; a compiled loop goes over the items it
    started with (found by the random differential run, where the loop grew until an overflow)."""
    with pytest.raises(CompileError) as refused:
        compile_source(GROWING_LOOP, "growing.py")
    [diagnostic] = refused.value.diagnostics
    assert (diagnostic.code, diagnostic.line, diagnostic.col) == ("DSF051", 9, 12)
    assert "inside a loop over it" in diagnostic.message
    assert "list(xs)" in diagnostic.hint


@orchestrator(name="DiffBigIntText")
async def big_int_text(ctx: OrchestrationContext) -> JsonValue:
    text = ctx.get_input()
    total = {"a": 1}
    total["a"] += int(text)  # a 32-digit int: Python goes on, the compiled run stops loudly
    return len(text)


def test_a_documented_runtime_limit_counts_apart_from_differences() -> None:
    """The runner counts a run the compiled program stopped at a documented limit apart: only the
    expression's own error counts (its text quotes every message it may raise)."""
    direct = run_direct(big_int_text, "12" * 16)
    compiled = run_local(big_int_text, "12" * 16)
    assert (direct.status, compiled.status) == ("SUCCEEDED", "FAILED")
    assert runtime_limit(direct, compiled) == "big-ints"
    assert runtime_limit(run_direct(big_int_text, "x"), run_local(big_int_text, "x")) is None
