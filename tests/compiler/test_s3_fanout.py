"""Fan-outs over items in S3 (`ctx.s3_items`, `ctx.s3_objects`): each reader kind run direct and
compiled (a Distributed Map on the local engine, moto S3) with equal results, tolerated failures
and the threshold error, results written to S3, the Distributed Map fields, and what is refused."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import textwrap
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from durable_sfn import (
    JsonValue,
    OrchestrationContext,
    S3Location,
    ToleratedFailureExceeded,
    activity,
    orchestrator,
)
from durable_sfn.compiler import CompileError, compile_orchestrator, compile_source
from durable_sfn.testing import ExecutionResult, run_direct, run_local

BUCKET = "fanout-items"


@activity(name="S3fCount")
def count_batch(batch: list[Any]) -> int:
    return len(batch)


@activity(name="S3fDescribe")
def describe(item: Any) -> Any:
    if isinstance(item, dict) and item.get("fail"):
        raise ValueError(f"cannot handle {item['id']}")
    return {"seen": item}


@orchestrator(name="S3fJsonl")
async def over_jsonl(ctx: OrchestrationContext, data: dict[str, Any]) -> JsonValue:
    return await ctx.task_all(
        [ctx.call_activity(describe, x) for x in ctx.s3_items(data["bucket"], data["key"], "jsonl")],
        max_concurrency=3,
    )


@orchestrator(name="S3fJsonBatched")
async def over_json_batched(ctx: OrchestrationContext, data: dict[str, Any]) -> JsonValue:
    counts = await ctx.task_all(
        [
            ctx.call_activity(count_batch, b)
            for b in ctx.s3_items(data["bucket"], "in/items.json", "json", batch_size=3)
        ]
    )
    return {"batches": counts, "total": sum(counts)}


@orchestrator(name="S3fCsv")
async def over_csv(ctx: OrchestrationContext, data: dict[str, Any]) -> JsonValue:
    return await ctx.task_all(
        [
            ctx.call_activity(describe, row)
            for row in ctx.s3_items(data["bucket"], "in/rows.csv", "csv", max_items=4)
        ]
    )


@orchestrator(name="S3fCsvGiven")
async def over_csv_given(ctx: OrchestrationContext, data: dict[str, Any]) -> JsonValue:
    return await ctx.task_all(
        [
            ctx.call_activity(describe, row)
            for row in ctx.s3_items(
                data["bucket"], "in/rows.psv", "csv", csv_delimiter="|", csv_headers=["id", "name"]
            )
        ]
    )


@orchestrator(name="S3fManifest")
async def over_manifest(ctx: OrchestrationContext, data: dict[str, Any]) -> JsonValue:
    return await ctx.task_all(
        [
            ctx.call_activity(describe, obj)
            for obj in ctx.s3_items(data["bucket"], "inventory/manifest.json", "manifest")
        ]
    )


@orchestrator(name="S3fObjects")
async def over_objects(ctx: OrchestrationContext, data: dict[str, Any]) -> JsonValue:
    counts = await ctx.task_all(
        [ctx.call_activity(count_batch, b) for b in ctx.s3_objects(data["bucket"], "docs/", batch_size=2)],
        label="Docs",
    )
    return counts


@orchestrator(name="S3fTolerated")
async def tolerated(ctx: OrchestrationContext, data: dict[str, Any]) -> JsonValue:
    return await ctx.task_all(
        [ctx.call_activity(describe, x) for x in ctx.s3_items(data["bucket"], data["key"], "jsonl")],
        tolerated_failure_count=2,
        max_concurrency=1,
    )


@orchestrator(name="S3fToleratedOne")
async def tolerated_one(ctx: OrchestrationContext, data: dict[str, Any]) -> JsonValue:
    return await ctx.task_all(
        [ctx.call_activity(describe, x) for x in ctx.s3_items(data["bucket"], data["key"], "jsonl")],
        tolerated_failure_count=1,
    )


@orchestrator(name="S3fToleratedPercent")
async def tolerated_percent(ctx: OrchestrationContext, data: dict[str, Any]) -> JsonValue:
    try:
        return await ctx.task_all(
            [ctx.call_activity(describe, x) for x in ctx.s3_items(data["bucket"], data["key"], "jsonl")],
            tolerated_failure_percentage=25,
            max_concurrency=1,
        )
    except ToleratedFailureExceeded as e:
        return {"caught": e.error}


@orchestrator(name="S3fResults")
async def to_s3(ctx: OrchestrationContext, data: dict[str, Any]) -> JsonValue:
    return await ctx.task_all(
        [ctx.call_activity(describe, x) for x in ctx.s3_items(data["bucket"], data["key"], "jsonl")],
        tolerated_failure_percentage=50,
        results_to=S3Location(data["bucket"], "results"),
        label="Results",
        max_concurrency=1,
    )


@orchestrator(name="S3fBody")
async def with_a_body(ctx: OrchestrationContext, data: dict[str, Any]) -> JsonValue:
    async def handle(item: dict[str, Any]) -> JsonValue:
        try:
            seen = await ctx.call_activity(describe, item)
        except ValueError as e:
            return {"id": item["id"], "error": e.error}  # type: ignore[attr-defined]
        return {"id": item["id"], "ok": not seen["seen"]["fail"]}

    results = await ctx.task_all(
        [handle(x) for x in ctx.s3_items(data["bucket"], data["key"], "jsonl")], label="Body"
    )
    return {"failed": [r["id"] for r in results if "error" in r], "count": len(results)}


@orchestrator(name="S3fCaught")
async def reader_failure_caught(ctx: OrchestrationContext, data: dict[str, Any]) -> JsonValue:
    try:
        return await ctx.task_all(
            [ctx.call_activity(describe, x) for x in ctx.s3_items(data["bucket"], data["key"], "json")]
        )
    except Exception as e:
        return {"error": e.error, "cause": e.cause}  # type: ignore[attr-defined]


ITEMS = [{"id": i, "fail": i in (2, 5)} for i in range(7)]


def _seed(s3: Any) -> None:
    s3.create_bucket(Bucket=BUCKET)
    put = s3.put_object
    put(Bucket=BUCKET, Key="in/items.jsonl", Body="\n".join(json.dumps(i) for i in ITEMS).encode())
    put(Bucket=BUCKET, Key="in/ok.jsonl", Body="\n".join(json.dumps({"id": i}) for i in range(5)).encode())
    put(Bucket=BUCKET, Key="in/items.json", Body=json.dumps(list(range(8)), indent=1).encode())
    put(
        Bucket=BUCKET,
        Key="in/rows.csv",
        Body=b'id,name\n1,"Ann, Smith"\n2,Bob\n3,"multi\nline"\n4,Dee\n5,Eve\n',
    )
    put(Bucket=BUCKET, Key="in/rows.psv", Body=b"7|Gus\n8|Hal\n")
    text = io.StringIO()
    csv.writer(text).writerows([[BUCKET, "docs/a.txt", "5"], [BUCKET, "docs/b.txt", "7"]])
    put(Bucket=BUCKET, Key="inventory/data/part-0.csv.gz", Body=gzip.compress(text.getvalue().encode()))
    manifest = {
        "sourceBucket": BUCKET,
        "destinationBucket": f"arn:aws:s3:::{BUCKET}",
        "fileFormat": "CSV",
        "fileSchema": "Bucket, Key, Size",
        "files": [{"key": "inventory/data/part-0.csv.gz", "size": 1, "MD5checksum": "x"}],
    }
    put(Bucket=BUCKET, Key="inventory/manifest.json", Body=json.dumps(manifest).encode())
    for name in ("a", "b", "c", "d", "e"):
        put(Bucket=BUCKET, Key=f"docs/{name}.txt", Body=name.encode())


@pytest.fixture(scope="module")
def s3() -> Iterator[Any]:
    """One moto account for the module: the tests only read the seeded objects (and write
    results under a run id of their own)."""
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        _seed(client)
        yield client


def _stable(value: Any) -> Any:
    """A failed child's Cause without what differs between any two runs (Lambda's requestId and
    stack trace): the error type and message stay."""
    if isinstance(value, list):
        return [_stable(v) for v in value]
    if isinstance(value, dict) and set(value) == {"Error", "Cause"}:
        cause = json.loads(value["Cause"])
        return {"Error": value["Error"], "Cause": {k: cause[k] for k in ("errorType", "errorMessage")}}
    return value


def _both(orch: Any, value: Any) -> tuple[ExecutionResult, ExecutionResult]:
    direct = run_direct(orch, value)
    compiled = run_local(orch, value)
    assert (compiled.status, compiled.error) == (direct.status, direct.error)
    assert _stable(compiled.output) == _stable(direct.output)
    assert sorted(json.dumps(c.input) for c in compiled.activity_calls) == sorted(
        json.dumps(c.input) for c in direct.activity_calls
    )
    return direct, compiled


def test_json_lines_items_each_go_to_a_child(s3: Any) -> None:
    direct, _ = _both(over_jsonl, {"bucket": BUCKET, "key": "in/ok.jsonl"})
    assert direct.output == [{"seen": {"id": i}} for i in range(5)]


def test_a_json_array_in_batches(s3: Any) -> None:
    direct, _ = _both(over_json_batched, {"bucket": BUCKET})
    assert direct.output == {"batches": [3, 3, 2], "total": 8}


def test_csv_rows_are_objects_of_strings_keyed_by_the_header(s3: Any) -> None:
    direct, _ = _both(over_csv, {"bucket": BUCKET})
    assert [r["seen"] for r in direct.output] == [
        {"id": "1", "name": "Ann, Smith"},
        {"id": "2", "name": "Bob"},
        {"id": "3", "name": "multi\nline"},
        {"id": "4", "name": "Dee"},
    ]


def test_csv_with_given_headers_and_a_delimiter(s3: Any) -> None:
    direct, _ = _both(over_csv_given, {"bucket": BUCKET})
    assert [r["seen"] for r in direct.output] == [{"id": "7", "name": "Gus"}, {"id": "8", "name": "Hal"}]


def test_an_s3_inventory_manifest_lists_objects(s3: Any) -> None:
    direct, _ = _both(over_manifest, {"bucket": BUCKET})
    assert [r["seen"] for r in direct.output] == [
        {"Bucket": BUCKET, "Key": "docs/a.txt", "Size": "5"},
        {"Bucket": BUCKET, "Key": "docs/b.txt", "Size": "7"},
    ]


def test_the_objects_under_a_prefix_in_batches(s3: Any) -> None:
    direct, _ = _both(over_objects, {"bucket": BUCKET})
    assert direct.output == [2, 2, 1]
    first = direct.activity_calls[0].input[0]
    assert set(first) == {"Etag", "Key", "LastModified", "Size", "StorageClass"}
    assert first["Key"] == "docs/a.txt" and isinstance(first["LastModified"], int)


def test_tolerated_failures_leave_error_results_in_place(s3: Any) -> None:
    direct, _ = _both(tolerated, {"bucket": BUCKET, "key": "in/items.jsonl"})
    failed = [r for r in direct.output if "Error" in r]
    assert [r["Error"] for r in failed] == ["ValueError", "ValueError"]
    assert "cannot handle 2" in failed[0]["Cause"]
    assert direct.output[0] == {"seen": {"id": 0, "fail": False}}


@pytest.mark.parametrize("orch", [over_jsonl, tolerated_one])
def test_one_failure_too_many_fails_with_the_threshold_error(s3: Any, orch: Any) -> None:
    direct, _ = _both(orch, {"bucket": BUCKET, "key": "in/items.jsonl"})
    assert direct.status == "FAILED"
    assert direct.error == "States.ExceedToleratedFailureThreshold"


def test_the_threshold_error_is_caught_by_name(s3: Any) -> None:
    # 2 of 7 failed is 28.6% > 25%: floor(7 * 25 / 100) = 1 failure tolerated.
    direct, _ = _both(tolerated_percent, {"bucket": BUCKET, "key": "in/items.jsonl"})
    assert direct.output == {"caught": "States.ExceedToleratedFailureThreshold"}


def _files(s3: Any, details: dict[str, Any]) -> dict[str, Any]:
    bucket = details["ResultWriterDetails"]["Bucket"]
    manifest_key = details["ResultWriterDetails"]["Key"]
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=manifest_key)["Body"].read())
    out: dict[str, Any] = {}
    for status, files in manifest["ResultFiles"].items():
        records = []
        for f in files:
            for r in json.loads(s3.get_object(Bucket=bucket, Key=f["Key"])["Body"].read()):
                records.append({k: r[k] for k in ("Name", "Status", "Input", "Output", "Error") if k in r})
        out[status] = records
    return out


def test_results_written_to_s3_in_the_result_writer_layout(s3: Any) -> None:
    value = {"bucket": BUCKET, "key": "in/items.jsonl"}
    direct = run_direct(to_s3, value)
    compiled = run_local(to_s3, value)
    assert direct.status == compiled.status == "SUCCEEDED"
    for result in (direct, compiled):
        assert set(result.output) == {"MapRunArn", "ResultWriterDetails"}
        assert re.fullmatch(
            r"arn:aws:states:[^:]+:\d+:mapRun:S3fResults/Results:[0-9a-f-]{36}", result.output["MapRunArn"]
        )
        assert re.fullmatch(r"results/[^/]+/manifest\.json", result.output["ResultWriterDetails"]["Key"])
    assert _files(s3, direct.output) == _files(s3, compiled.output)
    files = _files(s3, direct.output)
    assert [r["Name"] for r in files["SUCCEEDED"]] == ["0", "1", "3", "4", "6"]
    assert [(r["Name"], r["Error"]) for r in files["FAILED"]] == [("2", "ValueError"), ("5", "ValueError")]
    assert files["PENDING"] == []


def test_the_distributed_map_fields() -> None:
    definition = compile_orchestrator(to_s3)
    (state,) = [s for s in definition["States"].values() if s["Type"] == "Map"]
    assert state["ItemReader"]["Resource"] == "arn:aws:states:::s3:getObject"
    assert state["ItemReader"]["ReaderConfig"] == {"InputType": "JSONL"}
    assert state["ResultWriter"]["Resource"] == "arn:aws:states:::s3:putObject"
    assert state["ResultWriter"]["Arguments"]["Prefix"] == "results"
    assert (state["ToleratedFailurePercentage"], state["Label"], state["MaxConcurrency"]) == (
        50,
        "Results",
        1,
    )
    assert state["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}
    assert "Items" not in state
    batched = compile_orchestrator(over_json_batched)
    (state,) = [s for s in batched["States"].values() if s["Type"] == "Map"]
    assert state["ItemBatcher"] == {"MaxItemsPerBatch": 3}
    objects = compile_orchestrator(over_objects)
    (state,) = [s for s in objects["States"].values() if s["Type"] == "Map"]
    assert state["ItemReader"]["Resource"] == "arn:aws:states:::s3:listObjectsV2"
    assert state["ItemReader"]["Arguments"]["Prefix"] == "docs/"


def _compile(body: str) -> dict[str, Any]:
    source = textwrap.dedent(
        """
        from datetime import timedelta
        from durable_sfn import OrchestrationContext, S3Location, activity, orchestrator

        @activity(name="Work")
        def work(x):
            return x

        @orchestrator
        async def fan(ctx: OrchestrationContext, data: dict[str, Any]):
        """
    ) + textwrap.indent(textwrap.dedent(body), "    ")
    (definition,) = compile_source(source, "fan.py").values()
    return definition


def test_children_are_standard_executions_when_the_body_waits() -> None:
    definition = _compile(
        """
        async def one(x):
            await ctx.create_timer(timedelta(minutes=10))
            return await ctx.call_activity(work, x)
        return await ctx.task_all([one(x) for x in ctx.s3_items(data["b"], "k", "json")])
        """
    )
    (state,) = [s for s in definition["States"].values() if s["Type"] == "Map"]
    assert state["ItemProcessor"]["ProcessorConfig"]["ExecutionType"] == "STANDARD"
    assert "waits for a timer" in state["Comment"]
    forced = _compile(
        'return await ctx.task_all([ctx.call_activity(work, x) for x in ctx.s3_objects(data["b"])], express=False)'
    )
    (state,) = [s for s in forced["States"].values() if s["Type"] == "Map"]
    assert state["ItemProcessor"]["ProcessorConfig"]["ExecutionType"] == "STANDARD"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'return await ctx.task_all([ctx.call_activity(work, x) for x in ctx.s3_items("b", "k", "xml")])',
            "format must be one of",
        ),
        (
            'return await ctx.task_all([ctx.call_activity(work, x) for x in data["xs"]], tolerated_failure_count=1)',
            "apply to a fan-out over S3 items",
        ),
        (
            'return await ctx.task_all([ctx.call_activity(work, x) for x in ctx.s3_items("b", "k", "json") if x])',
            "without `if`",
        ),
        (
            'return await ctx.task_all([ctx.call_activity(work, x) for x in ctx.s3_items("b", "k", "json", batch_size=0)])',
            "batch_size must be from 1",
        ),
        (
            'return await ctx.task_all([ctx.call_activity(work, x) for x in ctx.s3_objects("b")], label="has space")',
            "label must be",
        ),
        (
            'return await ctx.task_all([ctx.call_activity(work, x) for x in ctx.s3_objects("b")], tolerated_failure_percentage=120)',
            "0 to 100",
        ),
        (
            'return await ctx.task_all([ctx.call_activity(work, x) for x in ctx.s3_objects("b")], results_to="s3://b/r")',
            "S3Location(bucket, prefix)",
        ),
        (
            'return await ctx.task_all([ctx.call_activity(work, x) for x in ctx.s3_items("b", "k", "json", csv_delimiter="|")])',
            "apply to format='csv'",
        ),
        (
            'rows = ctx.s3_objects("b")\nreturn await ctx.task_all([ctx.call_activity(work, x) for x in rows])',
            "read only as the iterable of a task_all comprehension",
        ),
        (
            'n = 2\nreturn await ctx.task_all([ctx.call_activity(work, n) for x in ctx.s3_objects("b")])',
            "cannot read orchestrator variables",
        ),
    ],
)
def test_what_is_refused_says_why_at_its_line(body: str, message: str) -> None:
    with pytest.raises(CompileError) as info:
        _compile(body)
    assert message in str(info.value)
    assert "fan.py:" in str(info.value)


def test_a_multi_step_body_with_its_own_error_handling(s3: Any) -> None:
    direct, _ = _both(with_a_body, {"bucket": BUCKET, "key": "in/items.jsonl"})
    assert direct.output == {"failed": [2, 5], "count": 7}


@pytest.mark.parametrize(
    ("key", "cause"),
    [
        ("in/missing.json", "The ItemReader could not read items: NoSuchKey: "),
        ("in/items.jsonl", "The ItemReader source must contain a JSON array."),
    ],
)
def test_items_that_cannot_be_read_fail_the_same_way(s3: Any, key: str, cause: str) -> None:
    direct, _ = _both(reader_failure_caught, {"bucket": BUCKET, "key": key})
    assert direct.output["error"] == "States.ItemReaderFailed"
    assert cause in direct.output["cause"]
