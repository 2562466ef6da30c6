"""The reference orchestrations on AWS: one `Orchestration` per orchestrator in `statemachines/`.

Each activity gets exactly the resources its code touches, listed in `ACTIVITY_GRANTS` next to the
environment variable `lambdas.common.config` reads the resource's name from. Activities without an
entry (pure computation, such as parsing) get no data access at all.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from durable_sfn.cdk import (
    ActivityFunctions,
    ActivityGrant,
    ActivityOptions,
    ManagementApi,
    Orchestration,
    OrchestrationConfigError,
)
from durable_sfn.cdk._private.analysis import analyse
from durable_sfn.cdk._private.lint import depend_on_policy_only
from durable_sfn.cdk.entities import EntityResources
from durable_sfn.cdk.orchestration import compile_definition
from durable_sfn.dsl import orchestrator_definition
from lambdas.invoices.documents import PDF_PREFIX, TEXT_PREFIX
from lambdas.orders.large_batch import EXPORTS_PREFIX, RESULTS_PREFIX
from stacks.data import DataStack

# Where lambdas/orders/reports.py keeps each report's steps.
REPORTS_PREFIX = "reports/"

Grants = Callable[[DataStack], list[ActivityGrant]]


def _t(role: str, env: str, *, write: bool = False, scan: bool = False) -> Grants:
    def grants(data: DataStack) -> list[ActivityGrant]:
        table = data.tables[role]
        if write:
            return [ActivityGrant.read_write_table(table, env=env, scan=scan)]
        return [ActivityGrant.read_table(table, env=env, scan=scan)]

    return grants


def _idempotency(data: DataStack) -> list[ActivityGrant]:
    return [ActivityGrant.read_write_table(data.tables["idempotency"], env="IDEMPOTENCY_TABLE")]


def _notify(data: DataStack) -> list[ActivityGrant]:
    return [
        ActivityGrant.publish(data.notifications_topic, env="NOTIFICATIONS_TOPIC_ARN"),
        *_idempotency(data),
    ]


def _email(data: DataStack) -> list[ActivityGrant]:
    return [
        ActivityGrant.send_email(data.sender_identity_arn, env="SENDER_EMAIL", sender=data.sender_email),
        *_idempotency(data),
    ]


def _invoices(*, read: str | None = None, write: str | None = None) -> Grants:
    """The invoice bucket, only under the prefixes the activity uses (lambdas/invoices/documents.py):
    `read` read-only, `write` read/write. A missing PDF is a 404 (ListBucket), not a 403."""

    def grants(data: DataStack) -> list[ActivityGrant]:
        bucket = data.invoice_bucket
        out = []
        if read is not None:
            out.append(ActivityGrant.read_bucket(bucket, env="INVOICE_BUCKET", prefix=read, list_bucket=True))
        if write is not None:
            out.append(
                ActivityGrant.read_write_bucket(
                    bucket, env="INVOICE_BUCKET", prefix=write, list_bucket=read is None
                )
            )
        return out

    return grants


def _reports(*, write: bool) -> Grants:
    """The report bucket under reports/ (lambdas/orders/reports.py); read-only where it only reads."""

    def grants(data: DataStack) -> list[ActivityGrant]:
        bucket = data.reports_bucket
        if write:
            return [
                ActivityGrant.read_write_bucket(
                    bucket, env="REPORTS_BUCKET", prefix=REPORTS_PREFIX, list_bucket=True
                )
            ]
        return [
            ActivityGrant.read_bucket(bucket, env="REPORTS_BUCKET", prefix=REPORTS_PREFIX, list_bucket=True)
        ]

    return grants


def _reports_under(prefix: str, *, write: bool) -> Grants:
    """The report bucket under one prefix: ProcessAllOrdersLargeBatch's exports and results."""

    def grants(data: DataStack) -> list[ActivityGrant]:
        grant = ActivityGrant.read_write_bucket if write else ActivityGrant.read_bucket
        return [grant(data.reports_bucket, env="REPORTS_BUCKET", prefix=prefix)]

    return grants


def _all(*parts: Grants) -> Grants:
    return lambda data: [grant for part in parts for grant in part(data)]


_ORDERS_R = _t("orders", "ORDERS_TABLE")
_ORDERS_RW = _t("orders", "ORDERS_TABLE", write=True)
_INVENTORY_R = _t("inventory", "INVENTORY_TABLE")
_INVENTORY_RW = _t("inventory", "INVENTORY_TABLE", write=True)
_PAYMENTS_R = _t("payments", "PAYMENTS_TABLE")
_PAYMENTS_RW = _t("payments", "PAYMENTS_TABLE", write=True)

# Activity name -> what its code reads or writes (see lambdas/*/ for each call site). Reads of an
# order go through lambdas.orders.store.get_order; status changes through set_status (a write).
ACTIVITY_GRANTS: dict[str, Grants] = {
    "ValidateOrderActivity": _all(_ORDERS_R, _INVENTORY_R),
    "ProcessPaymentActivity": _all(_ORDERS_RW, _PAYMENTS_RW),
    "RefundPaymentActivity": _all(_ORDERS_RW, _PAYMENTS_RW),
    "UpdateInventoryActivity": _all(_ORDERS_RW, _INVENTORY_RW),
    "InitiateShipmentActivity": _all(_ORDERS_RW, _t("shipments", "SHIPMENTS_TABLE", write=True)),
    "SendOrderConfirmationActivity": _all(_ORDERS_R, _email),
    "NotifyPaymentFailure": _all(_ORDERS_R, _notify),
    "ProcessSingleOrderActivity": _all(_ORDERS_RW, _INVENTORY_RW, _PAYMENTS_RW),
    "ExportPendingOrders": _all(
        _t("orders", "ORDERS_TABLE", scan=True), _reports_under(EXPORTS_PREFIX, write=True)
    ),
    "ProcessOrderBatch": _all(_ORDERS_RW, _INVENTORY_RW, _PAYMENTS_RW),
    "SummarizeOrderBatches": _reports_under(RESULTS_PREFIX, write=False),
    "LocateInvoiceDocuments": lambda data: [
        ActivityGrant.environment_variables(INVOICE_BUCKET=data.invoice_bucket.bucket_name)
    ],
    "ProcessInvoiceBatch": _all(
        _invoices(read=PDF_PREFIX, write=TEXT_PREFIX),
        _t("invoices", "INVOICES_TABLE", write=True),
        _t("invoice_errors", "INVOICE_ERRORS_TABLE", write=True),
    ),
    "CheckStockActivity": _all(_ORDERS_R, _INVENTORY_R),
    "CheckCreditActivity": _all(_ORDERS_R, _PAYMENTS_R),
    "QuoteShippingActivity": _ORDERS_R,
    "FetchInvoiceDocument": _invoices(read=PDF_PREFIX),
    "ExtractTextFromPdf": _invoices(read=PDF_PREFIX, write=TEXT_PREFIX),  # never writes the PDFs
    "ParseInvoiceData": _invoices(read=TEXT_PREFIX),
    "SaveInvoiceToDatabase": _t("invoices", "INVOICES_TABLE", write=True),
    "LogInvoiceError": _t("invoice_errors", "INVOICE_ERRORS_TABLE", write=True),
    "LogFailure": _t("failures", "FAILURES_TABLE", write=True),
    "CollectOrderSnapshot": _all(_reports(write=True), _t("orders", "ORDERS_TABLE", scan=True)),
    "SummarizeOrderSnapshot": _reports(write=True),
    "PublishOrderReport": _all(_reports(write=False), _notify),
}
# Fan-outs over items in S3 whose bucket the orchestrator reads at run time: the bucket of each
# Distributed Map, by its label (the role is granted the Map's reads and writes there).
S3_BUCKETS: dict[str, Callable[[DataStack], dict[str, Any]]] = {
    "ProcessAllOrdersLargeBatch": lambda data: {"Orders": data.reports_bucket},
    "ProcessInvoicesLargeBatch": lambda data: {"Invoices": data.invoice_bucket},
}
# Activities calling the operations API over HTTP get its address, not a permission.
HTTP_ACTIVITIES = ("StartLongRunningOperation", "CheckOperationStatus", "UnreliableActivity", "RiskyActivity")
# Sizing beyond the default (256 MB, 60 s): PDF text extraction is CPU-bound.
ACTIVITY_OPTIONS = {"ExtractTextFromPdf": ActivityOptions(memory_size=1024)}


def reference_orchestrators(package: str = "statemachines") -> list[Any]:
    """Every @orchestrator defined in the package's modules (modules without one are not imported)."""
    module = importlib.import_module(package)
    found: dict[str, Any] = {}
    for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda i: i.name):
        source = Path(module.__path__[0]) / f"{info.name}.py"
        if info.ispkg or not source.is_file() or "@orchestrator" not in source.read_text():
            continue
        submodule = importlib.import_module(f"{package}.{info.name}")
        for value in vars(submodule).values():
            definition = orchestrator_definition(value)
            if definition is not None and value.__module__ == submodule.__name__:
                found.setdefault(definition.name, value)
    return [found[name] for name in sorted(found)]


class WorkflowsStack(Stack):
    """State machines, activity functions and their least-privilege roles."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        data: DataStack,
        approval_threshold: float,
        operations_api_url: str,
        orchestrators: list[Any] | None = None,
        management_api: bool = True,
        alarm_email: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.alarm_topic = _alarm_topic(self, alarm_email)
        self.orchestrations: dict[str, Orchestration] = {}
        for orch in orchestrators if orchestrators is not None else reference_orchestrators():
            name = orchestrator_definition(orch).name  # type: ignore[union-attr]
            self.orchestrations[name] = Orchestration(
                self,
                name,
                orchestrator=orch,
                events_table=data.events_table,
                activity_options={k: v for k, v in ACTIVITY_OPTIONS.items() if k in _calls(orch)},
                alarm_topic=self.alarm_topic,
                s3_buckets=S3_BUCKETS[name](data) if name in S3_BUCKETS else None,
            )
        functions = ActivityFunctions.of(self)
        unknown = sorted(set(ACTIVITY_GRANTS) - set(functions.functions))
        if unknown and orchestrators is None:
            raise OrchestrationConfigError(
                f"ACTIVITY_GRANTS names activities no reference orchestrator calls: {', '.join(unknown)}; "
                "remove or rename them in stacks/workflows.py"
            )
        for name in functions.functions:
            grants = ACTIVITY_GRANTS[name](data) if name in ACTIVITY_GRANTS else []
            if name == "ValidateOrderActivity":
                grants.append(ActivityGrant.environment_variables(APPROVAL_THRESHOLD=str(approval_threshold)))
            if name in HTTP_ACTIVITIES:
                grants.append(ActivityGrant.environment_variables(OPERATIONS_API_URL=operations_api_url))
            functions.grant(name, grants)
        if management_api:
            # The Durable-style management API (start, status, raise event, terminate) over HTTPS,
            # IAM-authorized, limited to these state machines.
            self.management_api = ManagementApi(
                self,
                "ManagementApi",
                orchestrations=list(self.orchestrations.values()),
                events_table=data.events_table,
            )
            handler = self.management_api.handler
            if handler.role is not None:
                depend_on_policy_only(handler, handler.role)
        # Entity signals that failed every delivery wait in a dead-letter queue: someone must know.
        for construct in self.node.find_all():
            if isinstance(construct, EntityResources):
                construct.dead_letter_alarm.add_alarm_action(cw_actions.SnsAction(self.alarm_topic))


def _alarm_topic(stack: Stack, email: str | None) -> sns.Topic:
    """Where every alarm of the stack publishes; `email` (context `alarmEmail`) is subscribed.

    CloudWatch cannot publish to a topic under the AWS managed SNS key, so the topic has its own
    key (rotated) that lets CloudWatch encrypt messages for it.
    """
    key = kms.Key(
        stack,
        "AlarmsTopicKey",
        enable_key_rotation=True,
        description="encrypts the alarm notifications topic",
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey*"],
            resources=["*"],  # in a key policy, "*" is this key
        )
    )
    topic = sns.Topic(
        stack,
        "AlarmsTopic",
        display_name="durable_sfn alarms",
        master_key=key,
        enforce_ssl=True,
    )
    if email:
        topic.add_subscription(subscriptions.EmailSubscription(email))
    CfnOutput(
        stack, "AlarmsTopicArn", value=topic.topic_arn, description="Subscribe here to hear of every alarm"
    )
    return topic


def _calls(orch: Any) -> set[str]:
    return set(analyse(compile_definition(orch)).activities)
