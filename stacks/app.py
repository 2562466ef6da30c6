"""Building the reference CDK app: used by `app.py` (cdk synth/deploy), tests and the benchmark.

Settings come from the `context` of cdk.json (overridable with `cdk synth -c key=value`); building
in-process reads the same file, so tests synthesize exactly what `make synth` does.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import App, Environment, Validations
from cdk_nag import AwsSolutionsChecks

from stacks.data import DataStack
from stacks.workflows import WorkflowsStack

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_STACK = "DurableSfnData"
WORKFLOWS_STACK = "DurableSfnWorkflows"


def cdk_json_context() -> dict[str, Any]:
    path = PROJECT_ROOT / "cdk.json"
    return dict(json.loads(path.read_text()).get("context", {})) if path.is_file() else {}


def build_app(
    *,
    outdir: str | None = None,
    context: Mapping[str, Any] | None = None,
    orchestrators: list[Any] | None = None,
) -> App:
    """The app with both stacks and cdk-nag's AWS Solutions checks; call `.synth()` on it."""
    # Stack traces in construct metadata cost synthesis time and help no one reading a template;
    # the CDK CLI turns them off itself, in-process builds (tests, benchmark) do it here.
    merged = {"aws:cdk:disable-stack-trace": True, **cdk_json_context(), **(context or {})}
    # CDK's built-in CloudFormation validation (cfn-guard rules in WebAssembly) takes half of the
    # synthesis CPU time and only ever reports warnings; the templates are checked by cfn-lint (in
    # the tests) and cdk-nag (at every synth) instead. `-c builtinCloudFormationValidation=true`
    # turns it back on.
    builtin_validation = str(merged.get("builtinCloudFormationValidation", False)).lower() == "true"
    app = App(outdir=outdir, context=merged, builtin_cloud_formation_validation=builtin_validation)

    def setting(key: str) -> Any:
        value = app.node.try_get_context(key)
        if value is None:
            raise SystemExit(f"error: cdk.json has no context value {key!r} (set it or pass -c {key}=...)")
        return value

    account, region = os.environ.get("CDK_DEFAULT_ACCOUNT"), os.environ.get("CDK_DEFAULT_REGION")
    env = Environment(account=account, region=region) if account and region else None
    data = DataStack(
        app,
        DATA_STACK,
        env=env,
        sender_email=str(setting("senderEmail")),
        description="durable_sfn reference application: tables, buckets, notifications topic",
    )
    WorkflowsStack(
        app,
        WORKFLOWS_STACK,
        env=env,
        data=data,
        approval_threshold=float(setting("approvalThreshold")),
        operations_api_url=str(setting("operationsApiUrl")),
        orchestrators=orchestrators,
        # Optional: an address that receives every alarm (`cdk deploy -c alarmEmail=ops@example.com`).
        alarm_email=str(app.node.try_get_context("alarmEmail") or "") or None,
        description="durable_sfn reference application: state machines and activity functions",
    )
    # Synthesis fails on any finding that is not acknowledged (with a reason) where it arises.
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app
