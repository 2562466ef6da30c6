"""durable_sfn.cdk: deploy orchestrators to AWS Step Functions with the AWS CDK.

>>> from durable_sfn.cdk import Orchestration, ActivityGrant
>>> Orchestration(stack, "OrderProcessing", orchestrator=order_processing,
...               activity_grants={"ValidateOrderActivity": ActivityGrant.read_table(orders)})
"""

from aws_cdk.aws_stepfunctions import LogLevel, StateMachineType

from durable_sfn.cdk._private.activity_functions import ActivityFunctions, ActivityOptions
from durable_sfn.cdk._private.bundling import LayerBuildError, build_layer
from durable_sfn.cdk._private.deployment import AliasDeployment
from durable_sfn.cdk._private.errors import OrchestrationConfigError
from durable_sfn.cdk._private.grants import ActivityGrant
from durable_sfn.cdk.entities import EntityResources
from durable_sfn.cdk.events_table import EventsTable
from durable_sfn.cdk.management_api import ManagementApi
from durable_sfn.cdk.orchestration import Orchestration

__all__ = [
    "ActivityFunctions",
    "ActivityGrant",
    "ActivityOptions",
    "AliasDeployment",
    "EntityResources",
    "EventsTable",
    "LayerBuildError",
    "LogLevel",
    "ManagementApi",
    "Orchestration",
    "OrchestrationConfigError",
    "StateMachineType",
    "build_layer",
]
