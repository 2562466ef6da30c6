"""Parallel and Map: concurrency on the virtual clock, fail-fast, tolerance, variable scoping."""

from __future__ import annotations

import json
from typing import Any

import boto3
from moto import mock_aws

from durable_sfn.engine import MotoClients
from tests.engine.support import events, jsonata, new_client, output, run, seconds_since_start, types


def wait_then(seconds: int, value: Any) -> dict[str, Any]:
    wait, out = f"Wait{value}", f"Out{value}"
    return {
        "StartAt": wait,
        "States": {
            wait: {"Type": "Wait", "Seconds": seconds, "Next": out},
            out: {"Type": "Pass", "Output": value, "End": True},
        },
    }


def test_parallel_branches_run_concurrently_on_virtual_time() -> None:
    sfn = new_client()
    definition = jsonata(
        {"Both": {"Type": "Parallel", "Branches": [wait_then(100, "a"), wait_then(60, "b")], "End": True}}
    )
    result = run(sfn, definition)
    assert output(result) == ["a", "b"]
    assert (result["stopDate"] - result["startDate"]).total_seconds() == 100


def test_parallel_fails_fast_and_aborts_siblings() -> None:
    sfn = new_client()
    failing = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Broken", "Cause": "branch 2"}}}
    definition = jsonata(
        {"Both": {"Type": "Parallel", "Branches": [wait_then(3600, "slow"), failing], "End": True}}
    )
    result = run(sfn, definition)
    assert (result["error"], result["cause"]) == ("Broken", "branch 2")
    # The slow branch was cancelled, not waited for.
    assert (result["stopDate"] - result["startDate"]).total_seconds() == 0
    assert "ParallelStateFailed" in types(sfn, result)


def test_parallel_failure_can_be_caught() -> None:
    sfn = new_client()
    failing = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Broken"}}}
    definition = jsonata(
        {
            "Both": {
                "Type": "Parallel",
                "Branches": [failing],
                "Catch": [{"ErrorEquals": ["Broken"], "Next": "Recovered"}],
                "End": True,
            },
            "Recovered": {"Type": "Pass", "Output": "recovered", "End": True},
        }
    )
    assert output(run(sfn, definition)) == "recovered"


def test_branch_assign_does_not_leak_into_outer_scope() -> None:
    sfn = new_client()
    branch = {
        "StartAt": "Set",
        "States": {
            "Set": {
                "Type": "Pass",
                "Assign": {"inner": "{% $outer + 1 %}"},
                "Output": "{% $outer %}",
                "End": True,
            }
        },
    }
    definition = jsonata(
        {
            "Init": {"Type": "Pass", "Assign": {"outer": 1}, "Next": "Fan"},
            "Fan": {"Type": "Parallel", "Branches": [branch], "Next": "Check"},
            "Check": {
                "Type": "Pass",
                "Output": {"seen": "{% $states.input %}", "inner": "{% $exists($inner) %}"},
                "End": True,
            },
        }
    )
    assert output(run(sfn, definition)) == {"seen": [1], "inner": False}


def test_map_max_concurrency_shapes_virtual_time() -> None:
    sfn = new_client()
    processor = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "End": True}}}
    definition = jsonata(
        {
            "M": {
                "Type": "Map",
                "Items": [1, 2, 3, 4],
                "MaxConcurrency": 2,
                "ItemProcessor": processor,
                "End": True,
            }
        }
    )
    result = run(sfn, definition)
    assert output(result) == [1, 2, 3, 4]
    assert (result["stopDate"] - result["startDate"]).total_seconds() == 20


def test_map_item_context_and_item_selector() -> None:
    sfn = new_client()
    processor = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    definition = jsonata(
        {
            "M": {
                "Type": "Map",
                "Items": "{% $states.input.xs %}",
                "ItemSelector": {
                    "i": "{% $states.context.Map.Item.Index %}",
                    "v": "{% $states.context.Map.Item.Value %}",
                },
                "ItemProcessor": processor,
                "End": True,
            }
        }
    )
    result = run(sfn, definition, {"xs": ["a", "b"]})
    assert output(result) == [{"i": 0, "v": "a"}, {"i": 1, "v": "b"}]
    assert types(sfn, result).count("MapIterationSucceeded") == 2


def test_map_failure_without_tolerance_fails_with_the_item_error() -> None:
    sfn = new_client()
    processor = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $states.input = 2 %}", "Next": "F"}],
                "Default": "OK",
            },
            "F": {"Type": "Fail", "Error": "Two", "Cause": "no twos"},
            "OK": {"Type": "Succeed"},
        },
    }
    definition = jsonata({"M": {"Type": "Map", "Items": [1, 2, 3], "ItemProcessor": processor, "End": True}})
    result = run(sfn, definition)
    assert (result["error"], result["cause"]) == ("Two", "no twos")
    assert "MapIterationFailed" in types(sfn, result)


def test_map_tolerated_failures() -> None:
    sfn = new_client()
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $states.input % 2 = 0 %}", "Next": "F"}],
                "Default": "OK",
            },
            "F": {"Type": "Fail", "Error": "Even"},
            "OK": {"Type": "Succeed"},
        },
    }
    ok = jsonata(
        {
            "M": {
                "Type": "Map",
                "Items": [1, 2, 3, 4],
                "ToleratedFailureCount": 2,
                "ItemProcessor": processor,
                "End": True,
            }
        }
    )
    result = run(sfn, ok)
    assert output(result)[0::2] == [1, 3]
    too_many = jsonata(
        {
            "M": {
                "Type": "Map",
                "Items": [1, 2, 3, 4],
                "ToleratedFailurePercentage": 25,
                "ItemProcessor": processor,
                "End": True,
            }
        }
    )
    failed = run(sfn, too_many, name="strict")
    assert failed["error"] == "States.ExceedToleratedFailureThreshold"


def test_distributed_map_reads_s3_and_batches() -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="items")
        s3.put_object(Bucket="items", Key="list.json", Body=json.dumps([{"n": i} for i in range(7)]))
        sfn = new_client(aws_client_factory=MotoClients())
        processor = {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Count",
            "States": {"Count": {"Type": "Pass", "Output": "{% $count($states.input.Items) %}", "End": True}},
        }
        definition = jsonata(
            {
                "M": {
                    "Type": "Map",
                    "ItemReader": {
                        "Resource": "arn:aws:states:::s3:getObject",
                        "ReaderConfig": {"InputType": "JSON"},
                        "Arguments": {"Bucket": "items", "Key": "list.json"},
                    },
                    "ItemBatcher": {"MaxItemsPerBatch": 3},
                    "ItemProcessor": processor,
                    "End": True,
                }
            }
        )
        result = run(sfn, definition)
        assert output(result) == [3, 3, 1]
        assert "MapRunStarted" in types(sfn, result)
        # Distributed iterations keep their events out of the parent history.
        assert "MapIterationStarted" not in types(sfn, result)


def test_map_jsonpath_items_path_and_item_selector() -> None:
    sfn = new_client()
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.orders",
                "ItemSelector": {"id.$": "$$.Map.Item.Value.id", "region.$": "$.region"},
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "ResultPath": "$.processed",
                "End": True,
            }
        },
    }
    result = run(sfn, definition, {"region": "eu", "orders": [{"id": 1}, {"id": 2}]})
    assert output(result)["processed"] == [{"id": 1, "region": "eu"}, {"id": 2, "region": "eu"}]


def test_map_retry_timestamps_inside_iterations() -> None:
    sfn = new_client()
    attempts: dict[int, int] = {}

    def flaky(event: Any, ctx: Any) -> Any:
        attempts[event] = attempts.get(event, 0) + 1
        if attempts[event] == 1:
            raise RuntimeError("first try fails")
        return event

    sfn.register_lambda("Flaky", flaky)
    processor = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "Flaky", "Payload": "{% $states.input %}"},
                "Retry": [{"ErrorEquals": ["RuntimeError"], "IntervalSeconds": 5}],
                "Output": "{% $states.result.Payload %}",
                "End": True,
            }
        },
    }
    result = run(
        sfn, jsonata({"M": {"Type": "Map", "Items": [1, 2, 3], "ItemProcessor": processor, "End": True}})
    )
    assert output(result) == [1, 2, 3]
    retried = [seconds_since_start(e) for e in events(sfn, result) if e["type"] == "TaskScheduled"]
    assert sorted(retried) == [0, 0, 0, 5, 5, 5]


def test_distributed_map_reads_csv_and_writes_results_to_s3() -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="items")
        s3.put_object(Bucket="items", Key="rows.csv", Body="sku|qty\nA|1\nB|2\n")
        sfn = new_client(aws_client_factory=MotoClients())
        processor = {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Row",
            "States": {
                "Row": {"Type": "Pass", "Output": "{% $states.input.sku & $states.input.qty %}", "End": True}
            },
        }
        definition = jsonata(
            {
                "M": {
                    "Type": "Map",
                    "ItemReader": {
                        "Resource": "arn:aws:states:::s3:getObject",
                        "ReaderConfig": {
                            "InputType": "CSV",
                            "CSVHeaderLocation": "FIRST_ROW",
                            "CSVDelimiter": "PIPE",
                        },
                        "Arguments": {"Bucket": "items", "Key": "rows.csv"},
                    },
                    "ResultWriter": {
                        "Resource": "arn:aws:states:::s3:putObject",
                        "Arguments": {"Bucket": "items", "Prefix": "out"},
                    },
                    "ItemProcessor": processor,
                    "End": True,
                }
            }
        )
        details = output(run(sfn, definition))["ResultWriterDetails"]
        manifest = json.loads(s3.get_object(Bucket=details["Bucket"], Key=details["Key"])["Body"].read())
        key = manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]
        records = json.loads(s3.get_object(Bucket="items", Key=key)["Body"].read())
        assert [json.loads(r["Output"]) for r in records] == ["A1", "B2"]
