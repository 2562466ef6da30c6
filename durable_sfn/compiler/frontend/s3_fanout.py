"""`ctx.task_all([... for x in ctx.s3_items(...)])`: a fan-out over items that live in S3.

The comprehension's iterable names an S3 source instead of a list in the payload, so the Map reads
the items itself (a Distributed Map's ItemReader) and nothing of them passes through the
orchestrator's 256 KiB state. This module reads the source call and the Map Run options of the
task_all call into an `ir.S3Fanout`; `task_all` lowers the branch as for any Map, and
`backend/distributed_map` renders the Distributed Map fields.
"""

from __future__ import annotations

import ast
import re

from durable_sfn.compiler import ir
from durable_sfn.compiler.frontend.core import LowererCore
from durable_sfn.compiler.ir import Expr, Ty

SOURCES = ("s3_items", "s3_objects")
# task_all keywords that only a fan-out over S3 takes.
OPTIONS = ("tolerated_failure_percentage", "tolerated_failure_count", "results_to", "label", "express")
FORMATS = {"json": "JSON", "jsonl": "JSONL", "csv": "CSV", "manifest": "MANIFEST"}
DELIMITERS = {",": "COMMA", "|": "PIPE", ";": "SEMICOLON", " ": "SPACE", "\t": "TAB"}
# Step Functions' limits: MaxItemsPerBatch and MaxItems, and a Map Run label's characters.
MAX_ITEMS = 100_000_000
LABEL_LENGTH = 40
_LABEL_OK = re.compile(r"^[A-Za-z0-9_-]+$")

ITEM = Expr.raw("$states.input", inp=True)
BATCH = Expr.raw("$states.input.Items", Ty.LIST, inp=True)


def source_call(lw: LowererCore, node: ast.expr) -> ast.Call | None:
    """The `ctx.s3_items(...)` / `ctx.s3_objects(...)` call when `node` is one."""
    op = lw.ctx_call(node)
    if op is not None and op[0] in SOURCES:
        return op[1]
    return None


def item(fanout: ir.S3Fanout) -> Expr:
    """What the comprehension's name is bound to in each child: the item, or the batch's items."""
    return BATCH if fanout.batch_size is not None else ITEM


def parse(lw: LowererCore, call: ast.Call, options: dict[str, ast.expr]) -> ir.S3Fanout | None:
    """The S3 source and the Map Run options, or None after reporting what is wrong."""
    op = lw.ctx_call(call)
    assert op is not None
    ok = True
    reported = len(lw.sink.items)
    if op[0] == "s3_items":
        args = lw.bind_args(
            call, ["bucket", "key", "format", "batch_size", "max_items", "csv_delimiter", "csv_headers"], 3
        )
        if args is None:
            return None
        fmt = _literal(lw, args["format"], str, "format")
        reader = FORMATS.get(fmt) if isinstance(fmt, str) else None
        if reader is None:
            if fmt is not None:
                lw.report(args["format"], "DSF014", f"format must be one of {', '.join(map(repr, FORMATS))}")
            return None
        delimiter = headers = None
        if "csv_delimiter" in args or "csv_headers" in args:
            if reader != "CSV":
                node = args.get("csv_delimiter") or args["csv_headers"]
                lw.report(node, "DSF014", "csv_delimiter and csv_headers apply to format='csv'")
                return None
            delimiter, headers, ok = _csv(lw, args)
    else:
        args = lw.bind_args(call, ["bucket", "prefix", "batch_size", "max_items"], 1)
        if args is None:
            return None
        reader, delimiter, headers = "OBJECTS", None, None
    bucket = lw.expr.translate(args["bucket"])
    key_node = args.get("key") or args.get("prefix")
    key = lw.expr.translate(key_node) if key_node is not None else Expr.literal("")
    batch_size = _count(lw, args.get("batch_size"), "batch_size")
    max_items = _count(lw, args.get("max_items"), "max_items")
    percentage = _literal(
        lw, options.get("tolerated_failure_percentage"), float, "tolerated_failure_percentage"
    )
    if isinstance(percentage, int | float) and not 0 <= percentage <= 100:
        lw.report(
            options["tolerated_failure_percentage"], "DSF014", "tolerated_failure_percentage must be 0 to 100"
        )
        ok = False
    count = _literal(lw, options.get("tolerated_failure_count"), int, "tolerated_failure_count")
    if isinstance(count, int) and count < 0:
        lw.report(options["tolerated_failure_count"], "DSF014", "tolerated_failure_count cannot be negative")
        ok = False
    results = _results_to(lw, options.get("results_to"))
    label = _label(lw, options.get("label"))
    express = _literal(lw, options.get("express"), bool, "express")
    if len(lw.sink.items) > reported or not ok or results is False or label is None:
        return None
    return ir.S3Fanout(
        reader=reader,
        bucket=bucket,
        key=key,
        batch_size=batch_size,
        max_items=max_items,
        csv_delimiter=delimiter,
        csv_headers=headers,
        tolerated_failure_percentage=float(percentage) if isinstance(percentage, int | float) else None,
        tolerated_failure_count=count if isinstance(count, int) else None,
        results_bucket=results[0] if isinstance(results, tuple) else None,
        results_prefix=results[1] if isinstance(results, tuple) else None,
        label=label,
        express=express is not False,
    )


def _literal(lw: LowererCore, node: ast.expr | None, kind: type, name: str) -> object:
    if node is None:
        return None
    value = node.value if isinstance(node, ast.Constant) else None
    accepted: tuple[type, ...] = (int, float) if kind is float else (kind,)
    if isinstance(value, accepted) and (kind is bool or not isinstance(value, bool)):
        return value
    lw.report(node, "DSF014", f"{name} must be a literal {kind.__name__}")
    return None


def _count(lw: LowererCore, node: ast.expr | None, name: str) -> int | None:
    value = _literal(lw, node, int, name)
    if not isinstance(value, int):
        return None
    if not 1 <= value <= MAX_ITEMS:
        assert node is not None
        lw.report(node, "DSF014", f"{name} must be from 1 to {MAX_ITEMS:,}")
        return None
    return value


def _csv(lw: LowererCore, args: dict[str, ast.expr]) -> tuple[str | None, tuple[str, ...] | None, bool]:
    delimiter = headers = None
    if "csv_delimiter" in args:
        text = _literal(lw, args["csv_delimiter"], str, "csv_delimiter")
        delimiter = DELIMITERS.get(text) if isinstance(text, str) else None
        if delimiter is None:
            if text is not None:
                shown = ", ".join(repr(d) for d in DELIMITERS)
                lw.report(args["csv_delimiter"], "DSF014", f"csv_delimiter must be one of {shown}")
            return None, None, False
    if "csv_headers" in args:
        node = args["csv_headers"]
        elts = node.elts if isinstance(node, ast.List | ast.Tuple) else None
        names = [e.value for e in elts or [] if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        if elts is None or not elts or len(names) != len(elts):
            lw.report(node, "DSF014", "csv_headers must be a literal list of column names")
            return None, None, False
        headers = tuple(names)
    return delimiter, headers, True


def _results_to(lw: LowererCore, node: ast.expr | None) -> tuple[Expr, Expr] | bool | None:
    """(bucket, prefix) of `results_to=S3Location(bucket, prefix)`; False after a report."""
    if node is None:
        return None
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name | ast.Attribute)
        and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) == "S3Location"
    ):
        lw.report(node, "DSF014", "results_to must be S3Location(bucket, prefix)")
        return False
    args = lw.bind_args(node, ["bucket", "prefix"], 1)
    if args is None:
        return False
    prefix = args.get("prefix")
    return lw.expr.translate(args["bucket"]), lw.expr.translate(prefix) if prefix else Expr.literal("")


def _label(lw: LowererCore, node: ast.expr | None) -> str | None:
    """The Map Run label: letters, digits, `-` and `_`, at most 40 characters ("" for none)."""
    if node is None:
        return ""
    text = _literal(lw, node, str, "label")
    if not isinstance(text, str):
        return None
    if not (len(text) <= LABEL_LENGTH and _LABEL_OK.match(text)):
        lw.report(
            node, "DSF014", f"label must be 1 to {LABEL_LENGTH} letters, digits, '-' or '_' (a Map Run label)"
        )
        return None
    return text
