"""durable_sfn.engine: a local AWS Step Functions engine with a boto3-shaped client."""

from durable_sfn.engine.api import LocalStepFunctions
from durable_sfn.engine.clock import Clock, RealClock, VirtualClock

__all__ = ["Clock", "LocalStepFunctions", "RealClock", "VirtualClock"]
