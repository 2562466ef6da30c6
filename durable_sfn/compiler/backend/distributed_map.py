"""The Distributed Map fields of a fan-out over S3 items (`ir.S3Fanout`), rendered as ASL.

ItemReader reads the items (s3:getObject with a ReaderConfig InputType, or s3:listObjectsV2 for
the objects under a prefix), ItemBatcher groups them, ResultWriter stores the children's results
in S3 instead of in the state output, ToleratedFailure* set how many children may fail before
the Map fails with States.ExceedToleratedFailureThreshold, and Label names the Map Run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from durable_sfn.compiler.ir import Expr, S3Fanout

GET_OBJECT = "arn:aws:states:::s3:getObject"
LIST_OBJECTS = "arn:aws:states:::s3:listObjectsV2"
PUT_OBJECT = "arn:aws:states:::s3:putObject"


def _value(expr: Expr, rename: Callable[[str], str]) -> Any:
    if expr.is_const and not (isinstance(expr.const, str) and expr.const.lstrip().startswith("{%")):
        return expr.const
    if expr.is_const:
        return "{% " + json.dumps(expr.const) + " %}"
    return "{% " + expr.text(rename) + " %}"


def processor_config(express: bool) -> dict[str, str]:
    return {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS" if express else "STANDARD"}


def fields(fanout: S3Fanout, rename: Callable[[str], str]) -> dict[str, Any]:
    """The Map fields that replace `Items`: ItemReader, ItemBatcher, ResultWriter, tolerances, Label."""
    bucket = _value(fanout.bucket, rename)
    key = _value(fanout.key, rename)
    config: dict[str, Any] = {}
    if fanout.reader == "OBJECTS":
        reader: dict[str, Any] = {"Resource": LIST_OBJECTS, "Arguments": {"Bucket": bucket, "Prefix": key}}
    else:
        config["InputType"] = fanout.reader
        if fanout.reader == "CSV":
            if fanout.csv_headers is not None:
                config["CSVHeaderLocation"] = "GIVEN"
                config["CSVHeaders"] = list(fanout.csv_headers)
            else:
                config["CSVHeaderLocation"] = "FIRST_ROW"
            if fanout.csv_delimiter is not None:
                config["CSVDelimiter"] = fanout.csv_delimiter
        reader = {"Resource": GET_OBJECT, "Arguments": {"Bucket": bucket, "Key": key}}
    if fanout.max_items is not None:
        config["MaxItems"] = fanout.max_items
    if config:
        reader["ReaderConfig"] = config
    out: dict[str, Any] = {"ItemReader": reader}
    if fanout.batch_size is not None:
        out["ItemBatcher"] = {"MaxItemsPerBatch": fanout.batch_size}
    if fanout.results_bucket is not None:
        assert fanout.results_prefix is not None
        out["ResultWriter"] = {
            "Resource": PUT_OBJECT,
            "Arguments": {
                "Bucket": _value(fanout.results_bucket, rename),
                "Prefix": _value(fanout.results_prefix, rename),
            },
        }
    if fanout.tolerated_failure_percentage is not None:
        pct = fanout.tolerated_failure_percentage
        out["ToleratedFailurePercentage"] = int(pct) if float(pct).is_integer() else pct
    if fanout.tolerated_failure_count is not None:
        out["ToleratedFailureCount"] = fanout.tolerated_failure_count
    if fanout.label:
        out["Label"] = fanout.label
    return out
