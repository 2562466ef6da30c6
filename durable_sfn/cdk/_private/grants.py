"""Grants for activity functions: each gives one function access to one resource, and names it.

A grant both authorises the function and tells the activity where the resource is (an environment
variable), so permissions and configuration cannot drift apart. Actions are listed explicitly:
CDK's `grant_*` helpers use action wildcards (`s3:GetObject*`), which least privilege rules out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns

from durable_sfn.cdk._private import nag

_TABLE_READ = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
)
_TABLE_WRITE = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
)


@dataclass(frozen=True)
class ActivityGrant:
    """One permission (plus its environment variables) for an activity's Lambda function.

    >>> ActivityGrant.read_write_table(orders_table, env="ORDERS_TABLE")
    """

    description: str
    apply: Callable[[lambda_.Function], None]
    environment: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def read_table(
        table: dynamodb.ITable, *, env: str | None = None, indexes: bool = False, scan: bool = False
    ) -> ActivityGrant:
        """Item reads; `indexes=True` also allows Query on secondary indexes, `scan=True` Scan."""
        return ActivityGrant._table(table, _TABLE_READ + _scan(scan), env, "read", indexes)

    @staticmethod
    def read_write_table(
        table: dynamodb.ITable, *, env: str | None = None, indexes: bool = False, scan: bool = False
    ) -> ActivityGrant:
        """Item reads and writes; `TransactWriteItems` is authorised through the item actions."""
        return ActivityGrant._table(
            table, _TABLE_READ + _TABLE_WRITE + _scan(scan), env, "read/write", indexes
        )

    @staticmethod
    def _table(
        table: dynamodb.ITable, actions: Sequence[str], env: str | None, what: str, indexes: bool
    ) -> ActivityGrant:
        def apply(fn: lambda_.Function) -> None:
            # Index ARNs only on request: most activities address items by key.
            resources = [table.table_arn]
            if indexes:
                resources.append(f"{table.table_arn}/index/*")
                nag.acknowledge_wildcard(
                    _role(fn),
                    f"{table.table_arn}/index/*",
                    "Query on the table's own secondary indexes; index names are part of the table schema",
                )
            fn.add_to_role_policy(iam.PolicyStatement(actions=list(actions), resources=resources))

        return ActivityGrant(f"{what} {table.node.path}", apply, {env: table.table_name} if env else {})

    @staticmethod
    def read_bucket(
        bucket: s3.IBucket, *, env: str | None = None, prefix: str = "", list_bucket: bool = False
    ) -> ActivityGrant:
        """GetObject (and HeadObject); `list_bucket=True` makes a missing key a 404 rather than a 403."""
        return ActivityGrant._bucket(bucket, ("s3:GetObject",), env, prefix, "read", list_bucket)

    @staticmethod
    def read_write_bucket(
        bucket: s3.IBucket, *, env: str | None = None, prefix: str = "", list_bucket: bool = False
    ) -> ActivityGrant:
        return ActivityGrant._bucket(
            bucket, ("s3:GetObject", "s3:PutObject"), env, prefix, "read/write", list_bucket
        )

    @staticmethod
    def _bucket(
        bucket: s3.IBucket,
        actions: Sequence[str],
        env: str | None,
        prefix: str,
        what: str,
        list_bucket: bool,
    ) -> ActivityGrant:
        def apply(fn: lambda_.Function) -> None:
            if list_bucket:
                # S3 answers 403 instead of 404 for a missing key unless the caller may list.
                fn.add_to_role_policy(
                    iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn])
                )
            fn.add_to_role_policy(
                iam.PolicyStatement(actions=list(actions), resources=[bucket.arn_for_objects(f"{prefix}*")])
            )
            nag.acknowledge_wildcard(
                _role(fn),
                bucket.arn_for_objects(f"{prefix}*"),
                "objects are addressed by key at run time (S3 references passed between activities); "
                "access is limited to this bucket" + (f" under {prefix!r}" if prefix else ""),
            )

        return ActivityGrant(f"{what} {bucket.node.path}", apply, {env: bucket.bucket_name} if env else {})

    @staticmethod
    def publish(topic: sns.ITopic, *, env: str | None = None) -> ActivityGrant:
        def apply(fn: lambda_.Function) -> None:
            fn.add_to_role_policy(iam.PolicyStatement(actions=["sns:Publish"], resources=[topic.topic_arn]))

        return ActivityGrant(f"publish {topic.node.path}", apply, {env: topic.topic_arn} if env else {})

    @staticmethod
    def send_email(identity_arn: str, *, env: str | None = None, sender: str | None = None) -> ActivityGrant:
        """SES sending from one verified identity (`arn:aws:ses:REGION:ACCOUNT:identity/NAME`)."""

        def apply(fn: lambda_.Function) -> None:
            fn.add_to_role_policy(
                iam.PolicyStatement(actions=["ses:SendEmail", "ses:SendRawEmail"], resources=[identity_arn])
            )

        environment = {env: sender} if env and sender else {}
        return ActivityGrant(f"send email as {identity_arn}", apply, environment)

    @staticmethod
    def environment_variables(**values: str) -> ActivityGrant:
        """Configuration without a permission (an API endpoint, a threshold)."""
        return ActivityGrant("environment " + ", ".join(sorted(values)), lambda fn: None, dict(values))

    @staticmethod
    def custom(description: str, apply: Callable[[lambda_.Function], None]) -> ActivityGrant:
        """Anything else; `apply` receives the activity's function (e.g. `queue.grant_send_messages`)."""
        return ActivityGrant(description, apply)


def _scan(scan: bool) -> tuple[str, ...]:
    return ("dynamodb:Scan",) if scan else ()


def _role(fn: lambda_.Function) -> iam.IRole:
    """Findings are reported on the role's policy, so acknowledgements go on the role."""
    assert fn.role is not None, "activity functions always have a role"
    return fn.role
