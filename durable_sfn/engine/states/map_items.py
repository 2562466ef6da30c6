"""Map items from outside the state input: ItemReader (S3) and ItemBatcher (distributed mode)."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

from durable_sfn.engine import dataflow, errors, jsonata
from durable_sfn.engine import jsonpath as jp
from durable_sfn.engine.errors import StatesError

if TYPE_CHECKING:
    from durable_sfn.engine.execution import StateRun


def read_items(run: StateRun, config: dict[str, Any]) -> list[Any]:
    """Items from S3: a JSON array, JSON Lines, CSV (with header) or a listObjectsV2 listing."""
    resource = str(config.get("Resource", ""))
    params = config.get("Parameters") or config.get("Arguments") or {}
    reader = config.get("ReaderConfig") or {}
    s3 = run.execution.services.aws_client("s3")
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
                        delimiter=(reader.get("CSVDelimiter", ",") == "COMMA" and ",") or ",",
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
    max_bytes = int(max_bytes) if max_bytes else 256 * 1024
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
