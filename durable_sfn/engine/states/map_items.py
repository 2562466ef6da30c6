"""Map items from outside the state input: ItemReader (S3) and ItemBatcher (distributed mode)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from durable_sfn.engine import dataflow, errors, jsonata
from durable_sfn.engine import jsonpath as jp
from durable_sfn.engine.errors import StatesError
from durable_sfn.engine.limits import MAX_PAYLOAD_BYTES
from durable_sfn.engine.states.base import StateRun

_DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}


def read_items(run: StateRun, config: dict[str, Any]) -> list[Any]:
    """Items from S3: a JSON array, JSON Lines, CSV (with header) or a listObjectsV2 listing."""
    resource = str(config.get("Resource", ""))
    params = config.get("Parameters") or config.get("Arguments") or {}
    reader = config.get("ReaderConfig") or {}
    s3 = run.services.aws_client("s3")
    try:
        if resource.endswith("s3:listObjectsV2"):
            items: list[Any] = []
            token = None
            while True:
                call = dict(params)
                if token:
                    call["ContinuationToken"] = token
                page = s3.list_objects_v2(**call)
                for obj in page.get("Contents", []):
                    items.append(
                        {
                            "Etag": obj.get("ETag"),
                            "Key": obj.get("Key"),
                            "LastModified": obj["LastModified"].isoformat()
                            if obj.get("LastModified")
                            else None,
                            "Size": obj.get("Size"),
                            "StorageClass": obj.get("StorageClass"),
                        }
                    )
                token = page.get("NextContinuationToken")
                if not token:
                    break
        else:
            body = s3.get_object(**params)["Body"].read().decode()
            fmt = reader.get("InputType", "JSON")
            if fmt == "JSON":
                items = json.loads(body)
            elif fmt == "JSONL":
                items = [json.loads(line) for line in body.splitlines() if line.strip()]
            elif fmt == "CSV":
                rows = list(
                    csv.reader(
                        io.StringIO(body),
                        delimiter=_DELIMITERS.get(str(reader.get("CSVDelimiter", "COMMA")), ","),
                    )
                )
                if reader.get("CSVHeaderLocation", "FIRST_ROW") == "GIVEN":
                    header = list(reader.get("CSVHeaders", []))
                else:
                    header, rows = rows[0], rows[1:]
                items = [dict(zip(header, row, strict=False)) for row in rows]
            else:
                raise StatesError(errors.ITEM_READER_FAILED, f"Unsupported ItemReader InputType '{fmt}'.")
    except StatesError:
        raise
    except Exception as exc:
        raise StatesError(
            errors.ITEM_READER_FAILED, f"The ItemReader could not read items: {type(exc).__name__}: {exc}"
        ) from None
    if not isinstance(items, list):
        raise StatesError(errors.ITEM_READER_FAILED, "The ItemReader source must contain a JSON array.")
    limit = reader.get("MaxItems")
    if isinstance(limit, int) and limit > 0:
        items = items[:limit]
    return items


def batch_items(run: StateRun, effective: Any, items: list[Any], batcher: dict[str, Any]) -> list[Any]:
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
    run: StateRun, config: dict[str, Any], items: list[Any], results: list[Any], map_run_arn: str
) -> Any:
    """ResultWriter: store the child results in S3 like AWS (result files plus a manifest)."""
    env = run.env
    if dataflow.is_jsonata(env):
        config = jsonata.evaluate_template(config, env, "ResultWriter")
    params = config.get("Parameters") or config.get("Arguments") or {}
    bucket = params.get("Bucket")
    prefix = str(params.get("Prefix", "")).rstrip("/")
    if not bucket:
        raise StatesError(errors.RESULT_WRITER_FAILED, "The ResultWriter needs a Bucket.")
    run_id = map_run_arn.rsplit(":", 1)[-1].replace("/", "-")
    base = f"{prefix}/{run_id}" if prefix else run_id
    succeeded: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for index, (item, result) in enumerate(zip(items, results, strict=True)):
        record: dict[str, Any] = {
            "ExecutionArn": f"{map_run_arn}:{index}",
            "Input": json.dumps(item, separators=(",", ":")),
            "InputDetails": {"Included": True},
            "Name": str(index),
            "StateMachineArn": map_run_arn,
        }
        if isinstance(result, dict) and set(result) == {"Error", "Cause"}:
            failed.append({**record, "Status": "FAILED", "Error": result["Error"], "Cause": result["Cause"]})
        else:
            succeeded.append(
                {
                    **record,
                    "Status": "SUCCEEDED",
                    "Output": json.dumps(result, separators=(",", ":")),
                    "OutputDetails": {"Included": True},
                }
            )
    s3 = run.services.aws_client("s3")
    files: dict[str, list[dict[str, Any]]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
    try:
        for status, records in (("SUCCEEDED", succeeded), ("FAILED", failed)):
            if not records:
                continue
            key = f"{base}/{status}_0.json"
            body = json.dumps(records, separators=(",", ":"))
            s3.put_object(Bucket=bucket, Key=key, Body=body.encode())
            files[status].append({"Key": key, "Size": len(body.encode())})
        manifest = {"DestinationBucket": bucket, "MapRunArn": map_run_arn, "ResultFiles": files}
        s3.put_object(Bucket=bucket, Key=f"{base}/manifest.json", Body=json.dumps(manifest).encode())
    except Exception as exc:
        raise StatesError(
            errors.RESULT_WRITER_FAILED,
            f"The ResultWriter could not write to S3: {type(exc).__name__}: {exc}",
        ) from None
    return {
        "MapRunArn": map_run_arn,
        "ResultWriterDetails": {"Bucket": bucket, "Key": f"{base}/manifest.json"},
    }
