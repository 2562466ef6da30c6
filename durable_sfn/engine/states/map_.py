"""Map: run the item processor for every item, concurrently and bounded, with failure tolerance.

Inline mode runs at most 40 iterations at once (AWS's inline limit) and records iteration
events in the execution history. Distributed mode (ProcessorConfig.Mode = DISTRIBUTED) reads
items with ItemReader (S3 via boto3), batches them with ItemBatcher, and keeps each iteration's
events out of the parent history, as AWS's child workflow executions do.
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Sequence
from typing import Any

from durable_sfn.engine import dataflow, errors, jsonata, s3_items
from durable_sfn.engine import jsonpath as jp
from durable_sfn.engine.branch import Aborted, Branch
from durable_sfn.engine.errors import StatesError
from durable_sfn.engine.fanout import Outcome, fan_out
from durable_sfn.engine.history import History
from durable_sfn.engine.map_runs import MapRun
from durable_sfn.engine.states.base import StateOutcome, StateRun, next_of
from durable_sfn.engine.states.map_items import (
    batch_items,
    child_items,
    map_run_progress,
    read_child_inputs,
    write_results,
)

INLINE_CONCURRENCY = 40
DISTRIBUTED_THREADS = 256


def _number(run: StateRun, effective: Any, field: str, *, allow_float: bool = False) -> float | None:
    state, env = run.state, run.env
    if field in state:
        value = state[field]
        if dataflow.is_jsonata(env) and jsonata.is_expression(value):
            value = jsonata.evaluate_expression(value, env, field)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise StatesError(
                errors.QUERY_EVALUATION_ERROR,
                f"The {field} field must be a number, but was: {jp.to_json_text(value)}",
            )
        return float(value)
    path_field = f"{field}Path"
    if path_field in state and not dataflow.is_jsonata(env):
        path = state[path_field]
        value = jp.select(effective, path, env)
        if isinstance(value, str):
            # AWS accepts a number written as a string here.
            with contextlib.suppress(ValueError):
                value = float(value) if allow_float else int(value)
        ok = (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and (allow_float or float(value).is_integer())
        )
        if not ok:
            shown = value if isinstance(value, str) else jp.to_json_text(value)
            kind = "number" if allow_float else "integer"
            raise StatesError(
                errors.RUNTIME,
                f'The {path_field} field refers to value "{shown}" which is not a valid {kind}: {path}',
            )
        return float(value)
    return None


def _items(run: StateRun, raw: Any, effective: Any) -> Sequence[Any]:
    state, env = run.state, run.env
    if "ItemReader" in state:
        reader_config = state["ItemReader"]
        if dataflow.is_jsonata(env):
            reader_config = jsonata.evaluate_template(reader_config, env, "ItemReader")
        elif "Parameters" in reader_config:
            reader_config = {
                **reader_config,
                "Parameters": dataflow.template(reader_config["Parameters"], effective, env, "ItemReader"),
            }
        return read_child_inputs(run, reader_config, effective, state.get("ItemBatcher"))
    if dataflow.is_jsonata(env):
        if "Items" in state:
            return list(jsonata.evaluate_typed(state["Items"], env, "Items", "array"))
        value = raw
        if not isinstance(value, list):
            raise StatesError(
                errors.QUERY_EVALUATION_ERROR,
                f"Map state input must be an array but was: {jp.to_json_text(value)}",
            )
        return value
    value = jp.select(effective, state["ItemsPath"], env) if "ItemsPath" in state else effective
    if not isinstance(value, list):
        raise StatesError(
            errors.RUNTIME,
            f"Map state input must be an array but was: {jp.to_json_text(value)}",
        )
    return value


def run(run: StateRun, raw: Any) -> StateOutcome:
    state, env = run.state, run.env
    effective = dataflow.state_input(state, raw, env)
    items = _items(run, raw, effective)
    processor = state.get("ItemProcessor") or state.get("Iterator") or {}
    distributed = (processor.get("ProcessorConfig") or {}).get("Mode") == "DISTRIBUTED"
    max_concurrency = _number(run, effective, "MaxConcurrency")
    if max_concurrency is not None and max_concurrency < 0:
        raise StatesError(errors.RUNTIME, "MaxConcurrency cannot be negative.")
    if "ItemBatcher" in state and "ItemReader" not in state:  # a reader batches as it reads
        items = batch_items(run, effective, items, state["ItemBatcher"])
    # AWS validates MaxConcurrency before the Map starts and the tolerance after.
    run.event("MapStateStarted", mapStateStartedEventDetails={"length": len(items)})
    tolerated_count = _number(run, effective, "ToleratedFailureCount")
    tolerated_pct = _number(run, effective, "ToleratedFailurePercentage", allow_float=True)
    if tolerated_count is not None and tolerated_count < 0:
        raise StatesError(errors.RUNTIME, "ToleratedFailureCount cannot be negative.")
    if tolerated_pct is not None and not 0 <= tolerated_pct <= 100:
        raise StatesError(errors.RUNTIME, "ToleratedFailurePercentage must be between 0 and 100.")
    selector = state.get("ItemSelector", state.get("Parameters"))

    parent = run.branch
    cap = DISTRIBUTED_THREADS if distributed else INLINE_CONCURRENCY
    workers = min(cap, int(max_concurrency)) if max_concurrency else cap

    def make(index: int) -> Branch:
        item = {"Index": index, "Value": items[index]}
        if distributed:
            return Branch(
                parent.clock,
                History(parent.clock),
                copy.copy(parent.variables),
                parent=parent,
                map_item=item,
                key=parent.child_key(index),
            )
        return Branch(
            parent.clock,
            parent.history,
            copy.copy(parent.variables),
            parent=parent,
            map_item=item,
            last_event=parent.last_event,
            key=parent.child_key(index),
        )

    def iteration_input(index: int, branch: Branch) -> Any:
        if selector is None:
            return items[index]
        context = {**env.context, "Map": {"Item": branch.map_item}}
        item_env = env.__class__(
            state_name=env.state_name,
            query_language=env.query_language,
            input=env.input,
            context=context,
            variables=env.variables,
        )
        return dataflow.template(selector, effective, item_env, "ItemSelector")

    name = run.name

    def work(index: int, branch: Branch) -> Any:
        if branch.replays_to_end:  # a redrive: this iteration succeeded before, it is not run again
            return run.run_graph(branch, processor, None)
        try:
            value = run.run_graph(branch, processor, iteration_input(index, branch))
        except Aborted:
            if not distributed:
                branch.event(
                    "MapIterationAborted", mapIterationAbortedEventDetails={"name": name, "index": index}
                )
            raise
        except StatesError:
            if not distributed:
                branch.event(
                    "MapIterationFailed", mapIterationFailedEventDetails={"name": name, "index": index}
                )
            raise
        if not distributed:
            branch.event(
                "MapIterationSucceeded", mapIterationSucceededEventDetails={"name": name, "index": index}
            )
        return value

    progress: list[MapRun] = []  # the Map Run's counts (DescribeMapRun), distributed Maps only

    def started(index: int, branch: Branch) -> None:
        for record in progress:
            record.child_started(index, child_items(items, index, "ItemBatcher" in state))
        # Called in index order by fan_out, so the history shows iterations starting in order.
        if not distributed and not branch.replays_to_end:
            branch.event(
                "MapIterationStarted", mapIterationStartedEventDetails={"name": name, "index": index}
            )

    tolerating = tolerated_count is not None or tolerated_pct is not None
    limit = _failure_limit(len(items), tolerated_count, tolerated_pct)
    failures = {"count": 0}

    def should_abort(outcome: Outcome) -> bool:
        failures["count"] += 1
        return not tolerating or failures["count"] > limit

    # A Map Run is named by its Label, else by its state.
    map_run_arn = s3_items.map_run_arn(run.execution_arn, state.get("Label") or name, str(run.entered_event))
    if distributed:
        map_run_arn = _start_map_run(run, parent, map_run_arn)
        batched = "ItemBatcher" in state
        progress.append(
            map_run_progress(
                run, map_run_arn, items, batched, max_concurrency, tolerated_pct, tolerated_count
            )
        )

    def ended(outcome: Outcome) -> None:
        for record in progress:
            record.child_ended(outcome.index, _ending(outcome))

    try:
        outcomes = fan_out(
            parent.clock, len(items), workers, make, work, should_abort, on_start=started, on_done=ended
        )
    finally:
        for record in progress:  # the status until the checks below say otherwise
            record.finish("ABORTED", run.clock.now(), results_written=False)
    failed = [o for o in outcomes if o.error is not None]
    if parent.cancelled:
        raise Aborted()
    if failed and (not tolerating or len(failed) > limit):
        if distributed:
            run.event(
                "MapRunFailed", mapRunFailedEventDetails={"error": errors.EXCEED_TOLERATED_FAILURE_THRESHOLD}
            )
            for record in progress:
                record.status = "FAILED"
        if tolerating or distributed:
            raise StatesError(
                errors.EXCEED_TOLERATED_FAILURE_THRESHOLD,
                "The specified tolerated failure threshold was exceeded",
            )
        first = failed[0].error
        assert first is not None
        raise first
    if any(o.aborted for o in outcomes):
        raise Aborted()
    if distributed:
        run.event("MapRunSucceeded")
    run.event("MapStateSucceeded")
    result = [
        o.value if o.ok else {"Error": o.error.error, "Cause": o.error.cause} if o.error is not None else None
        for o in outcomes
    ]
    if "ResultWriter" in state:
        result = write_results(run, state["ResultWriter"], items, result, map_run_arn)
    for record in progress:
        record.finish("SUCCEEDED", run.clock.now(), results_written="ResultWriter" in state)
    output, assigned = dataflow.finish(state, raw, result, env, has_result=True, assign_data=result)
    return StateOutcome(output, next_of(state), assigned)


def _start_map_run(run: StateRun, parent: Branch, new_arn: str) -> str:
    """Start the Map Run (MapRunStarted), or, entered again by a redrive, redrive the one the
    previous attempt started (MapRunRedriven with its count); returns the Map Run's ARN."""
    if parent.journal is None:  # an execution that cannot be redriven
        arn, redrives = new_arn, 0
    else:
        arn, redrives = parent.journal.map_run(parent.state_key(), new_arn)
    if redrives:
        run.event("MapRunRedriven", mapRunRedrivenEventDetails={"mapRunArn": arn, "redriveCount": redrives})
    else:
        run.event("MapRunStarted", mapRunStartedEventDetails={"mapRunArn": arn})
    return arn


def _ending(outcome: Outcome) -> str:
    return "succeeded" if outcome.ok else "aborted" if outcome.aborted else "failed"


def _failure_limit(total: int, count: float | None, percentage: float | None) -> float:
    limits = []
    if count is not None:
        limits.append(count)
    if percentage is not None:
        limits.append(math.floor(total * percentage / 100))
    return min(limits) if limits else 0
