"""The reference application's data: DynamoDB tables, the invoice and report buckets, the topic.

Kept in its own stack so workflows can be redeployed (or destroyed) without touching data. Every
table is encrypted and has point-in-time recovery; buckets are encrypted, SSL-only and private;
the topic is encrypted and SSL-only. Key schemas match `lambdas.common.resources`, the local twin
of this stack (a test keeps them in step).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from constructs import Construct

from durable_sfn.cdk._private import nag
from durable_sfn.client.events import TTL_ATTRIBUTE as EVENTS_TABLE_TTL

# Partition key of each application table (role -> attribute), as `lambdas.common.resources` creates them.
TABLE_KEYS: dict[str, str] = {
    "orders": "OrderId",
    "inventory": "ProductId",
    "payments": "Pk",
    "shipments": "OrderId",
    "invoices": "InvoiceNumber",
    "invoice_errors": "InvoiceId",
    "failures": "OrchestrationId",
    "idempotency": "id",
}
# Attributes DynamoDB expires items by (Powertools idempotency records, event-store items).
TABLE_TTL: dict[str, str] = {"idempotency": "expiration"}
EVENTS_TABLE_KEYS = ("executionArn", "eventName")


def _table(
    scope: Construct, id: str, partition: str, sort: str | None = None, ttl: str | None = None
) -> dynamodb.Table:
    return dynamodb.Table(
        scope,
        id,
        partition_key=dynamodb.Attribute(name=partition, type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name=sort, type=dynamodb.AttributeType.STRING) if sort else None,
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption=dynamodb.TableEncryption.AWS_MANAGED,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        time_to_live_attribute=ttl,
        removal_policy=RemovalPolicy.RETAIN,
    )


class DataStack(Stack):
    """Tables, buckets, topic and sender identity used by the reference activities."""

    def __init__(self, scope: Construct, id: str, *, sender_email: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.tables: dict[str, dynamodb.Table] = {
            role: _table(self, _pascal(role) + "Table", key, ttl=TABLE_TTL.get(role))
            for role, key in TABLE_KEYS.items()
        }
        # Task tokens and buffered external events (durable_sfn.client.events); read by clients too.
        self.events_table = _table(self, "EventsTable", *EVENTS_TABLE_KEYS, ttl=EVENTS_TABLE_TTL)

        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(365))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        nag.acknowledge(
            self.access_logs,
            "AwsSolutions-S1",
            "this is the server-access-log bucket of the application's buckets; logging it into "
            "itself would log its own log writes",
        )
        self.invoice_bucket = self._bucket("InvoiceBucket", "invoices/")
        self.reports_bucket = self._bucket("ReportsBucket", "reports/")

        self.notifications_topic = sns.Topic(
            self,
            "NotificationsTopic",
            display_name="durable_sfn order notifications",
            master_key=kms.Alias.from_alias_name(self, "SnsManagedKey", "alias/aws/sns"),
            enforce_ssl=True,
        )
        self.sender_email = sender_email
        self.sender_identity = ses.EmailIdentity(
            self, "SenderIdentity", identity=ses.Identity.email(sender_email)
        )
        self.sender_identity_arn = self.format_arn(
            service="ses", resource="identity", resource_name=sender_email
        )

        for role, table in self.tables.items():
            CfnOutput(
                self,
                f"{_pascal(role)}TableName",
                value=table.table_name,
                description=f"{role.upper()}_TABLE of lambdas.common.config (e.g. to seed sample data)",
            )
        CfnOutput(
            self,
            "EventsTableName",
            value=self.events_table.table_name,
            description="Pass to OrchestrationClient(events_table=...) to raise events",
        )
        CfnOutput(
            self,
            "InvoiceBucketName",
            value=self.invoice_bucket.bucket_name,
            description="Upload invoice PDFs under invoices/ here",
        )

    def _bucket(self, id: str, log_prefix: str) -> s3.Bucket:
        return s3.Bucket(
            self,
            id,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            versioned=True,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix=log_prefix,
            removal_policy=RemovalPolicy.RETAIN,
        )


def _pascal(role: str) -> str:
    return "".join(part.capitalize() for part in role.split("_"))
