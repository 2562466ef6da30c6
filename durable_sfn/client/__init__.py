"""Drive orchestrations from outside: start, watch, raise events, stop; signal and read entities.

- `orchestration_client`: `OrchestrationClient`, over boto3's `stepfunctions` API (AWS,
  `durable-sfn serve`, or the in-process `LocalStepFunctions`);
- `status`: the Durable-style status records and the client's errors;
- `events`: the DynamoDB external-event store and the `DurableEventWaiter` activity behind
  `wait_for_external_event`;
- `entities`: where a client finds the entities' table and signal queue;
- `instances`: listing instances page by page across state machines, purge results.

>>> from durable_sfn.client import OrchestrationClient
"""

from durable_sfn.client.instances import InstancePage, PurgeHistoryResult
from durable_sfn.client.orchestration_client import OrchestrationClient
from durable_sfn.client.status import (
    CUSTOM_STATUS_VARIABLE,
    InstanceNotFoundError,
    InstanceNotRedrivableError,
    InstanceNotRunningError,
    OrchestrationClientError,
    OrchestrationStatus,
)

__all__ = [
    "CUSTOM_STATUS_VARIABLE",
    "InstanceNotFoundError",
    "InstanceNotRedrivableError",
    "InstanceNotRunningError",
    "InstancePage",
    "OrchestrationClient",
    "OrchestrationClientError",
    "OrchestrationStatus",
    "PurgeHistoryResult",
]
