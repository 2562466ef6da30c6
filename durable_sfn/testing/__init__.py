"""Test orchestrators: run them directly as Python or compiled on the local engine.

>>> from durable_sfn.testing import run_direct, run_local
>>> assert run_direct(order_processing, "order-1").output == run_local(order_processing, "order-1").output
"""

from durable_sfn.client.logs import LogRecord
from durable_sfn.testing.direct import run_direct
from durable_sfn.testing.engine_run import run_local
from durable_sfn.testing.errors import DataLimitExceeded
from durable_sfn.testing.resolve import ActivityNotFoundError
from durable_sfn.testing.results import ActivityCall, ExecutionResult, ScheduledEvent
from durable_sfn.testing.scheduler import StuckOrchestrationError

__all__ = [
    "ActivityCall",
    "ActivityNotFoundError",
    "DataLimitExceeded",
    "ExecutionResult",
    "LogRecord",
    "ScheduledEvent",
    "StuckOrchestrationError",
    "run_direct",
    "run_local",
]
