"""The role's permissions for Distributed Maps (fan-outs over items in S3), read off the definition.

A Distributed Map reads its items from S3 (s3:getObject of one object, of an S3 Inventory manifest
and the files it lists, or s3:listObjectsV2 under a prefix), may write its results to S3
(ResultWriter) and starts its children as executions of the state machine itself. Each grant
names exactly what the definition reads or writes: a literal key is granted alone, a literal
prefix as `prefix*`; a bucket or key the orchestrator computes at run time (from its input) is
granted on the bucket given for that Map in `s3_buckets` (by Label, else state name), whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn

from durable_sfn.cdk._private import nag
from durable_sfn.cdk._private.analysis import iter_states
from durable_sfn.cdk._private.errors import OrchestrationConfigError

LIST_OBJECTS = "arn:aws:states:::s3:listObjectsV2"
# What AWS documents for a ResultWriter: the result files are uploaded in parts.
WRITE_ACTIONS = ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"]


@dataclass(frozen=True)
class DistributedMap:
    """What one Distributed Map state reads and writes; None where the definition computes it."""

    state: str
    label: str  # the Map Run's Label, else the state name
    reader: str  # ReaderConfig.InputType, or "OBJECTS" for listObjectsV2
    bucket: str | None
    key: str | None  # the object key, or the listing prefix
    results_bucket: str | None
    results_prefix: str | None
    writes_results: bool
    express: bool


_QUOTED = re.compile(r'^\{%\s*("(?:[^"\\]|\\.)*")\s*%\}$')


def _literal(value: Any) -> str | None:
    """A name fixed in the definition: plain text, or a JSONata string literal (`{% "name" %}`,
    how a deploy-time value filled in at synth reads); None when computed at run time."""
    if not isinstance(value, str) or "${" in value:
        return None
    quoted = _QUOTED.match(value)
    if quoted:
        text = json.loads(quoted.group(1))
        return text if isinstance(text, str) else None
    return None if "{%" in value else value


def distributed_maps(definition: Mapping[str, Any]) -> list[DistributedMap]:
    found = []
    for name, state in iter_states(definition):
        processor = state.get("ItemProcessor") or {}
        config = processor.get("ProcessorConfig") or {}
        if state.get("Type") != "Map" or config.get("Mode") != "DISTRIBUTED" or "ItemReader" not in state:
            continue
        reader = state["ItemReader"]
        args = reader.get("Arguments") or reader.get("Parameters") or {}
        objects = str(reader.get("Resource", "")).endswith("s3:listObjectsV2")
        writer = state.get("ResultWriter") or {}
        wargs = writer.get("Arguments") or writer.get("Parameters") or {}
        found.append(
            DistributedMap(
                state=name,
                label=str(state.get("Label") or name),
                reader="OBJECTS"
                if objects
                else str((reader.get("ReaderConfig") or {}).get("InputType", "JSON")),
                bucket=_literal(args.get("Bucket")),
                key=_literal(args.get("Prefix", "") if objects else args.get("Key")),
                results_bucket=_literal(wargs.get("Bucket")),
                results_prefix=_literal(wargs.get("Prefix", "")),
                writes_results="Resource" in writer,
                express=config.get("ExecutionType") == "EXPRESS",
            )
        )
    return found


def grant_distributed_maps(
    role: iam.Role,
    maps: list[DistributedMap],
    buckets: Mapping[str, s3.IBucket],
    *,
    machine_arn: str,
    machine_name: str,
    log_level: sfn.LogLevel,
    where: str,
) -> None:
    """Reads of each Map's items, writes of its results, and its child executions."""
    if not maps:
        unused = sorted(buckets)
        if unused:
            raise OrchestrationConfigError(
                f"{where}: s3_buckets= names {', '.join(unused)}, but the orchestrator has no fan-out over S3 items"
            )
        return
    known = {m.label for m in maps} | {m.state for m in maps}
    unknown = sorted(set(buckets) - known)
    if unknown:
        raise OrchestrationConfigError(
            f"{where}: s3_buckets= names {', '.join(unknown)}; the fan-outs over S3 items are "
            + ", ".join(sorted({m.label for m in maps}))
        )
    express = [m.state for m in maps if m.express]
    if express and log_level == sfn.LogLevel.OFF:
        raise OrchestrationConfigError(
            f"{where}: state(s) {', '.join(express)} run Express child executions, which keep no "
            "execution history: their only record is the state machine's log; use log_level ERROR or ALL"
        )
    for m in maps:
        given = buckets.get(m.label) or buckets.get(m.state)
        source = _bucket_arn(role, m.bucket, given, m, "reads its items from")
        _grant_reader(role, m, source)
        if m.writes_results:
            target = _bucket_arn(role, m.results_bucket, given, m, "writes its results to")
            prefix = (m.results_prefix or "").rstrip("/")
            objects = f"{target}/{prefix}/*" if prefix and m.results_prefix is not None else f"{target}/*"
            role.add_to_policy(iam.PolicyStatement(actions=WRITE_ACTIONS, resources=[objects]))
            nag.acknowledge_wildcard(
                role,
                objects,
                f"Distributed Map {m.state!r} writes its result files under this prefix, in a folder "
                "named by the Map Run id chosen at run time",
            )
    _grant_children(role, machine_arn, machine_name)


def _bucket_arn(
    role: iam.Role, name: str | None, given: s3.IBucket | None, m: DistributedMap, what: str
) -> str:
    if name is not None:
        return Stack.of(role).format_arn(
            service="s3", region="", account="", resource=name, arn_format=ArnFormat.NO_RESOURCE_NAME
        )
    if given is None:
        raise OrchestrationConfigError(
            f"Distributed Map {m.state!r} {what} a bucket computed at run time: pass "
            f"s3_buckets={{{m.label!r}: bucket}} so its role can be granted that bucket"
        )
    return given.bucket_arn


def _grant_reader(role: iam.Role, m: DistributedMap, bucket_arn: str) -> None:
    if m.reader == "OBJECTS":
        conditions = {"StringLike": {"s3:prefix": [f"{m.key}*"]}} if m.key else None
        role.add_to_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket_arn], conditions=conditions)
        )
        return
    if m.key is None:
        objects = f"{bucket_arn}/*"
        why = f"Distributed Map {m.state!r} reads the object its input names in this bucket"
    elif m.reader == "MANIFEST":
        # <prefix>/<source bucket>/<configuration>/<date>/manifest.json lists <...>/<configuration>/data/*
        parts = m.key.split("/")
        folder = "/".join(parts[:-2])
        objects = f"{bucket_arn}/{folder}/*" if folder else f"{bucket_arn}/*"
        why = f"Distributed Map {m.state!r} reads an S3 Inventory: its manifest and the data files it lists"
    else:
        role.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=[f"{bucket_arn}/{m.key}"]))
        return
    role.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=[objects]))
    nag.acknowledge_wildcard(role, objects, why)


def _grant_children(role: iam.Role, machine_arn: str, machine_name: str) -> None:
    """A Distributed Map starts its children as executions of this state machine (of the version
    the parent runs, hence the qualified ARNs too), and describes and stops them."""
    stack = Stack.of(role)
    versions = f"{machine_arn}:*"
    role.add_to_policy(
        iam.PolicyStatement(actions=["states:StartExecution"], resources=[machine_arn, versions])
    )
    nag.acknowledge_wildcard(
        role,
        versions,
        "the versions of this state machine: a Distributed Map starts its children on the version it runs",
    )
    children = stack.format_arn(
        service="states",
        resource="execution",
        resource_name=f"{machine_name}/*",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["states:DescribeExecution", "states:StopExecution"], resources=[children]
        )
    )
    nag.acknowledge_wildcard(
        role, children, "the child executions of this state machine's Distributed Maps (named at run time)"
    )
