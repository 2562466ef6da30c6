"""The direct run of a fan-out over S3 items: `ctx.task_all([... for x in ctx.s3_items(...)], ...)`.

`ctx.s3_items` / `ctx.s3_objects` return an `S3Source`: iterating it reads the S3 object (moto in
tests) with the engine's own readers (`engine.s3_items`) and remembers what each child receives,
so `task_all` can pair each task with its item and behave as the compiled Distributed Map does:
children run with the requested concurrency; a failed child counts against the tolerated
failures (its result is `{"Error", "Cause"}`), and one failure too many stops the others and
raises `ToleratedFailureExceeded` (States.ExceedToleratedFailureThreshold); `results_to` writes
the results in the ResultWriter layout and returns its `{"MapRunArn", "ResultWriterDetails"}`.
"""

from __future__ import annotations

import contextvars
import json
from collections import deque
from collections.abc import Awaitable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any

from durable_sfn._aws import DEFAULT_REGION
from durable_sfn.dsl import S3Location, ToleratedFailureExceeded
from durable_sfn.engine import s3_items
from durable_sfn.engine.errors import ITEM_READER_FAILED, RESULT_WRITER_FAILED
from durable_sfn.engine.limits import MAX_PAYLOAD_BYTES
from durable_sfn.testing.errors import error_and_cause
from durable_sfn.testing.scheduler import Future, Scheduler
from durable_sfn.testing.scheduler import Task as SchedulerTask

FORMATS = {"json": "JSON", "jsonl": "JSONL", "csv": "CSV", "manifest": "MANIFEST"}
DELIMITERS = {",": "COMMA", "|": "PIPE", ";": "SEMICOLON", " ": "SPACE", "\t": "TAB"}
GET_OBJECT = "arn:aws:states:::s3:getObject"
LIST_OBJECTS = "arn:aws:states:::s3:listObjectsV2"


def _s3() -> Any:
    import boto3

    return boto3.client("s3", region_name=DEFAULT_REGION)


@dataclass
class S3Source:
    """The items of an S3 object (or the objects under a prefix), or batches of them."""

    resource: str
    params: dict[str, Any]
    config: dict[str, Any]
    batch_size: int | None
    # What each child received ({"Items": [...]} for a batch), filled in as the items are read.
    inputs: list[Any] = field(default_factory=list)

    def __iter__(self) -> Iterator[Any]:
        self.inputs = []
        try:
            items = s3_items.iter_items(_s3(), self.resource, self.params, self.config)
            if self.batch_size is None:
                for item in items:
                    self.inputs.append(item)
                    yield item
                return
            # As the compiled ItemBatcher: batch_size items, fewer when they would pass 256 KiB.
            for text in s3_items.child_inputs(items, self.batch_size, MAX_PAYLOAD_BYTES):
                batch = json.loads(text)
                self.inputs.append(batch)
                yield batch["Items"]
        except s3_items.ReaderError as exc:
            raise MapRunFailed(ITEM_READER_FAILED, str(exc)) from None
        except Exception as exc:  # as the engine reports it (engine.states.map_items)
            cause = f"The ItemReader could not read items: {type(exc).__name__}: {exc}"
            raise MapRunFailed(ITEM_READER_FAILED, cause) from None


class MapRunFailed(Exception):
    """The items cannot be read or the results cannot be written: the compiled Map fails with
    States.ItemReaderFailed or States.ResultWriterFailed, with the engine's cause."""

    def __init__(self, error: str, cause: str) -> None:
        super().__init__(cause)
        self.error = error
        self.cause = cause
        self.message = cause


def s3_items_source(
    bucket: str,
    key: str,
    format: str,
    batch_size: int | None,
    max_items: int | None,
    csv_delimiter: str | None,
    csv_headers: list[str] | None,
) -> S3Source:
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(map(repr, FORMATS))}")
    config: dict[str, Any] = {"InputType": FORMATS[format]}
    if format == "csv":
        config["CSVHeaderLocation"] = "GIVEN" if csv_headers is not None else "FIRST_ROW"
        if csv_headers is not None:
            config["CSVHeaders"] = list(csv_headers)
        if csv_delimiter is not None:
            config["CSVDelimiter"] = DELIMITERS[csv_delimiter]
    if max_items is not None:
        config["MaxItems"] = max_items
    return S3Source(GET_OBJECT, {"Bucket": bucket, "Key": key}, config, batch_size)


def s3_objects_source(bucket: str, prefix: str, batch_size: int | None, max_items: int | None) -> S3Source:
    config = {"MaxItems": max_items} if max_items is not None else {}
    return S3Source(LIST_OBJECTS, {"Bucket": bucket, "Prefix": prefix}, config, batch_size)


@dataclass(frozen=True)
class Options:
    max_concurrency: int | None
    tolerated_failure_percentage: float | None
    tolerated_failure_count: int | None
    results_to: S3Location | None
    label: str | None


async def run(
    scheduler: Scheduler,
    tasks: list[Awaitable[Any]],
    source: S3Source,
    options: Options,
    map_run_arn: str,
) -> Any:
    """Run the children as the Distributed Map runs them; see the module docstring."""
    context = contextvars.copy_context()
    count = len(tasks)
    limit = s3_items.failure_limit(
        count, options.tolerated_failure_count, options.tolerated_failure_percentage
    )
    outcomes: list[tuple[bool, Any] | None] = [None] * count
    running: list[tuple[SchedulerTask[Any], Awaitable[Any]]] = []
    waiting = deque(enumerate(tasks))
    state = {"remaining": count, "failed": 0}

    def stop_all() -> None:
        for task, item in running:
            task.cancel()
            if isinstance(item, Coroutine):
                item.close()  # a child not started yet: no "never awaited" warning
        while waiting:
            _, item = waiting.popleft()
            if isinstance(item, Coroutine):
                item.close()

    joined: Future[Any] = scheduler.future("task_all over S3 items", on_cancel=stop_all)

    def start_next() -> None:
        index, item = waiting.popleft()
        task = scheduler.spawn(_awaiting(item), context)
        running.append((task, item))
        task.add_done_callback(lambda done: finished(index, done))

    def finished(index: int, done: Future[Any]) -> None:
        if joined.done:
            return
        if done.exception is not None:
            if not isinstance(done.exception, Exception):
                stop_all()
                joined.set_exception(done.exception)  # DataLimitExceeded and the like: not a failure
                return
            error, cause = error_and_cause(done.exception)
            outcomes[index] = (False, {"Error": error, "Cause": cause})
            state["failed"] += 1
            if state["failed"] > limit:
                stop_all()
                joined.set_exception(ToleratedFailureExceeded())
                return
        else:
            outcomes[index] = (True, done.result())
        state["remaining"] -= 1
        if state["remaining"] == 0:
            joined.set_result(None)
        elif waiting:
            start_next()

    if count:
        width = options.max_concurrency or count
        for _ in range(min(width, count)):
            start_next()
        await joined
    results = [o[1] if o is not None else None for o in outcomes]
    if options.results_to is None:
        return results
    files = s3_items.ResultFiles(options.results_to.bucket, options.results_to.prefix, map_run_arn)
    for index, outcome in enumerate(outcomes):
        assert outcome is not None
        files.add(index, source.inputs[index], outcome[0], outcome[1])
    bucket = options.results_to.bucket
    try:
        s3 = _s3()
        return files.write(lambda key, body: s3.put_object(Bucket=bucket, Key=key, Body=body))
    except Exception as exc:  # as the engine reports it (engine.states.map_items)
        cause = f"The ResultWriter could not write to S3: {type(exc).__name__}: {exc}"
        raise MapRunFailed(RESULT_WRITER_FAILED, cause) from None


async def _awaiting(item: Awaitable[Any]) -> Any:
    return await item
