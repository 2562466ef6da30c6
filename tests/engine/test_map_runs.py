"""DescribeMapRun and ListMapRuns: a Distributed Map's progress as it runs, and its final counts."""

from __future__ import annotations

import json
import threading
from typing import Any

import boto3
import pytest
from moto import mock_aws

from durable_sfn.engine import LocalStepFunctions, MotoClients
from durable_sfn.engine.api.errors import StepFunctionsError


def _definition(tolerated: int) -> dict[str, Any]:
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSONL"},
                    "Arguments": {"Bucket": "map-runs", "Key": "items.jsonl"},
                },
                "ItemBatcher": {"MaxItemsPerBatch": 4},
                "ToleratedFailureCount": tolerated,
                "MaxConcurrency": 2,
                "Label": "Counted",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                    "StartAt": "Work",
                    "States": {
                        "Work": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::lambda:invoke",
                            "Arguments": {"FunctionName": "Work", "Payload": "{% $states.input %}"},
                            "Output": "{% $states.result.Payload %}",
                            "End": True,
                        }
                    },
                },
                "End": True,
            }
        },
    }


@pytest.fixture
def engine() -> Any:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="map-runs")
        s3.put_object(
            Bucket="map-runs", Key="items.jsonl", Body="\n".join(str(i) for i in range(10)).encode()
        )
        yield LocalStepFunctions(aws_client_factory=MotoClients())


def _run(sfn: LocalStepFunctions, tolerated: int, work: Any) -> tuple[str, dict[str, Any]]:
    sfn.register_lambda("Work", work)
    arn = sfn.create_state_machine(name=f"counted{tolerated}", definition=json.dumps(_definition(tolerated)))[
        "stateMachineArn"
    ]
    run = sfn.start_execution(stateMachineArn=arn, input="{}")
    return run["executionArn"], sfn.wait_for_execution(run["executionArn"])


def test_the_counts_follow_the_children_and_their_items(engine: LocalStepFunctions) -> None:
    seen: list[dict[str, Any]] = []
    lock = threading.Lock()

    def work(event: dict[str, Any], context: Any) -> int:
        (listed,) = engine.list_map_runs(executionArn=arn_holder[0])["mapRuns"]
        with lock:
            seen.append(engine.describe_map_run(mapRunArn=listed["mapRunArn"]))
        if 9 in event["Items"]:
            raise ValueError("the last batch fails")
        return sum(event["Items"])

    arn_holder: list[str] = []
    original = engine.start_execution

    def start(**kwargs: Any) -> dict[str, Any]:
        out = original(**kwargs)
        arn_holder.append(out["executionArn"])
        return out

    engine.start_execution = start  # type: ignore[method-assign]
    execution, result = _run(engine, 1, work)
    assert result["status"] == "SUCCEEDED"
    # While running: never more than MaxConcurrency children at once, every item accounted for.
    for described in seen:
        counts, items = described["executionCounts"], described["itemCounts"]
        assert described["status"] == "RUNNING" and 1 <= counts["running"] <= 2
        assert counts["total"] == 3 and items["total"] == 10
        assert sum(counts[k] for k in ("pending", "running", "succeeded", "failed")) == 3
        assert sum(items[k] for k in ("pending", "running", "succeeded", "failed")) == 10
    (listed,) = engine.list_map_runs(executionArn=execution)["mapRuns"]
    final = engine.describe_map_run(mapRunArn=listed["mapRunArn"])
    assert final["status"] == "SUCCEEDED" and "stopDate" in final
    assert final["executionCounts"] | {"resultsWritten": 0} == {
        "pending": 0, "running": 0, "succeeded": 2, "failed": 1, "timedOut": 0, "aborted": 0,
        "total": 3, "resultsWritten": 0,
    }  # fmt: skip
    assert (final["itemCounts"]["succeeded"], final["itemCounts"]["failed"]) == (8, 2)
    assert (final["maxConcurrency"], final["toleratedFailureCount"]) == (2, 1)
    assert listed["mapRunArn"].split(":mapRun:")[1].startswith("counted1/Counted:")
    assert listed["stateMachineArn"].endswith(":stateMachine:counted1")


def test_a_run_over_its_tolerance_is_failed(engine: LocalStepFunctions) -> None:
    def work(event: dict[str, Any], context: Any) -> int:
        raise ValueError("every batch fails")

    execution, result = _run(engine, 0, work)
    assert result["status"] == "FAILED"
    (listed,) = engine.list_map_runs(executionArn=execution)["mapRuns"]
    final = engine.describe_map_run(mapRunArn=listed["mapRunArn"])
    assert final["status"] == "FAILED"
    counts = final["executionCounts"]
    assert counts["failed"] >= 1 and counts["failed"] + counts["aborted"] + counts["succeeded"] == 3


def test_an_unknown_map_run_is_not_found(engine: LocalStepFunctions) -> None:
    with pytest.raises(StepFunctionsError, match=r"Resource not found"):
        engine.describe_map_run(mapRunArn="arn:aws:states:us-east-1:123456789012:mapRun:x/y:z")
