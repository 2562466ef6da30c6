"""Map items from outside the state input: ItemReader (S3) and ItemBatcher (distributed mode)."""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterator, Sequence
from typing import Any, overload

from durable_sfn.engine import dataflow, errors, jsonata, s3_items
from durable_sfn.engine import jsonpath as jp
from durable_sfn.engine.errors import StatesError
from durable_sfn.engine.limits import MAX_PAYLOAD_BYTES
from durable_sfn.engine.map_runs import MapRun
from durable_sfn.engine.states.base import StateRun


def iter_items(run: StateRun, config: dict[str, Any]) -> Iterator[Any]:
    """The ItemReader's items, read as they are needed (`engine.s3_items`)."""
    resource = str(config.get("Resource", ""))
    params = config.get("Parameters") or config.get("Arguments") or {}
    reader = config.get("ReaderConfig") or {}
    try:
        s3 = run.services.aws_client("s3", run.name)
        yield from s3_items.iter_items(s3, resource, params, reader)
    except StatesError:
        raise
    except s3_items.ReaderError as exc:
        raise StatesError(errors.ITEM_READER_FAILED, str(exc)) from None
    except Exception as exc:
        raise StatesError(
            errors.ITEM_READER_FAILED, f"The ItemReader could not read items: {type(exc).__name__}: {exc}"
        ) from None


class ChildInputs(Sequence[Any]):
    """The children's inputs of a Map that reads from S3, held as JSON text and parsed on use."""

    def __init__(self, texts: list[str], item_counts: Sequence[int] = ()) -> None:
        self.texts = texts
        self.item_counts = item_counts  # a batch's number of items, for the Map Run's counts

    def __len__(self) -> int:
        return len(self.texts)

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [json.loads(t) for t in self.texts[index]]
        return json.loads(self.texts[index])


def read_child_inputs(
    run: StateRun, config: dict[str, Any], effective: Any, batcher: dict[str, Any] | None
) -> ChildInputs:
    """ItemReader then ItemBatcher, streamed: the items are read and grouped one at a time and
    only each child's input is kept (as text)."""
    items = iter_items(run, config)
    if batcher is None:
        return ChildInputs(list(s3_items.child_inputs(items, None, None)))
    max_items, max_bytes, batch_input = _batcher(run, effective, batcher)
    counted = _Counted(items)
    counts = array("L")
    texts = []
    closed = 0
    for text in s3_items.child_inputs(counted, max_items, max_bytes or MAX_PAYLOAD_BYTES, batch_input):
        texts.append(text)
        # A batch closes when the next item does not fit: it holds what was read but that one
        # (the last batch closes when the items run out, and holds the rest).
        size = counted.taken - closed - (1 if counted.pending else 0)
        counts.append(size)
        closed += size
    return ChildInputs(texts, counts)


class _Counted:
    """An item iterator that counts what it hands out, for the batches' item counts."""

    def __init__(self, items: Iterator[Any]) -> None:
        self.items, self.taken = items, 0
        self.pending = False

    def __iter__(self) -> Iterator[Any]:
        for item in self.items:
            self.taken += 1
            self.pending = True
            yield item
        self.pending = False


def _batcher(run: StateRun, effective: Any, batcher: dict[str, Any]) -> tuple[int | None, int | None, Any]:
    env = run.env
    if dataflow.is_jsonata(env):
        batcher = jsonata.evaluate_template(batcher, env, "ItemBatcher")
    max_items = batcher.get("MaxItemsPerBatch")
    if max_items is None and "MaxItemsPerBatchPath" in batcher:
        max_items = jp.select(effective, batcher["MaxItemsPerBatchPath"], env)
    max_bytes = batcher.get("MaxInputBytesPerBatch")
    if max_bytes is None and "MaxInputBytesPerBatchPath" in batcher:
        max_bytes = jp.select(effective, batcher["MaxInputBytesPerBatchPath"], env)
    batch_input = batcher.get("BatchInput")
    if batch_input is not None and not dataflow.is_jsonata(env):
        batch_input = dataflow.template(batch_input, effective, env, "BatchInput")
    return (int(max_items) if max_items else None, int(max_bytes) if max_bytes else None, batch_input)


def batch_items(run: StateRun, effective: Any, items: Sequence[Any], batcher: dict[str, Any]) -> list[Any]:
    """Group items into `{"Items": [...], "BatchInput": ...}` batches by count and size."""
    env = run.env
    if dataflow.is_jsonata(env):
        batcher = jsonata.evaluate_template(batcher, env, "ItemBatcher")
    max_items = batcher.get("MaxItemsPerBatch")
    if max_items is None and "MaxItemsPerBatchPath" in batcher:
        max_items = jp.select(effective, batcher["MaxItemsPerBatchPath"], env)
    max_bytes = batcher.get("MaxInputBytesPerBatch")
    if max_bytes is None and "MaxInputBytesPerBatchPath" in batcher:
        max_bytes = jp.select(effective, batcher["MaxInputBytesPerBatchPath"], env)
    batch_input = batcher.get("BatchInput")
    if batch_input is not None and not dataflow.is_jsonata(env):
        batch_input = dataflow.template(batch_input, effective, env, "BatchInput")
    max_items = int(max_items) if max_items else len(items) or 1
    max_bytes = int(max_bytes) if max_bytes else MAX_PAYLOAD_BYTES
    batches: list[Any] = []
    current: list[Any] = []
    size = 0
    for item in items:
        item_size = len(json.dumps(item, separators=(",", ":")).encode())
        if current and (len(current) >= max_items or size + item_size > max_bytes):
            batches.append(current)
            current, size = [], 0
        current.append(item)
        size += item_size
    if current:
        batches.append(current)
    return [{"Items": b, **({"BatchInput": batch_input} if batch_input is not None else {})} for b in batches]


def write_results(
    run: StateRun, config: dict[str, Any], items: Sequence[Any], results: list[Any], map_run_arn: str
) -> Any:
    """ResultWriter: store the child results in S3 like AWS (result files plus a manifest)."""
    files = result_files(run, config, map_run_arn)
    texts = items.texts if isinstance(items, ChildInputs) else None
    for index, result in enumerate(results):
        failed = isinstance(result, dict) and set(result) == {"Error", "Cause"}
        if texts is not None:
            files.add_text(index, texts[index], not failed, result)
        else:
            files.add(index, items[index], not failed, result)
    return store_results(run, files)


def result_files(run: StateRun, config: dict[str, Any], map_run_arn: str) -> s3_items.ResultFiles:
    env = run.env
    if dataflow.is_jsonata(env):
        config = jsonata.evaluate_template(config, env, "ResultWriter")
    params = config.get("Parameters") or config.get("Arguments") or {}
    bucket = params.get("Bucket")
    if not bucket:
        raise StatesError(errors.RESULT_WRITER_FAILED, "The ResultWriter needs a Bucket.")
    return s3_items.ResultFiles(str(bucket), str(params.get("Prefix", "")), map_run_arn)


def store_results(run: StateRun, files: s3_items.ResultFiles) -> Any:
    s3 = run.services.aws_client("s3", run.name)  # an engine without clients: States.Runtime
    try:
        return files.write(lambda key, body: s3.put_object(Bucket=files.bucket, Key=key, Body=body))
    except Exception as exc:
        raise StatesError(
            errors.RESULT_WRITER_FAILED,
            f"The ResultWriter could not write to S3: {type(exc).__name__}: {exc}",
        ) from None


def map_run_progress(
    run: StateRun,
    arn: str,
    items: Sequence[Any],
    batched: bool,
    max_concurrency: float | None,
    tolerated_percentage: float | None,
    tolerated_count: float | None,
) -> MapRun:
    """The Map Run DescribeMapRun reports, registered with the engine (`engine.map_runs`)."""
    head, _, rest = run.execution_arn.partition(":execution:")
    record = run.services.map_runs.add(
        MapRun(
            arn=arn,
            execution_arn=run.execution_arn,
            state_machine_arn=f"{head}:stateMachine:{rest.split(':', 1)[0]}",
            start_date=run.clock.now(),
            max_concurrency=int(max_concurrency or 0),
            tolerated_failure_percentage=float(tolerated_percentage or 0),
            tolerated_failure_count=int(tolerated_count or 0),
        )
    )
    total = sum(child_items(items, i, batched) for i in range(len(items))) if batched else len(items)
    record.plan(len(items), total)
    return record


def child_items(items: Sequence[Any], index: int, batched: bool) -> int:
    """How many items child `index` processes: its batch's, or one."""
    if not batched:
        return 1
    if isinstance(items, ChildInputs):
        return int(items.item_counts[index])
    batch = items[index]
    return len(batch.get("Items") or []) if isinstance(batch, dict) else 1
