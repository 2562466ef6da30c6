"""The boto3-shaped face of the engine: `LocalStepFunctions` and its client errors.

`client.py` assembles the client from one module per API group (`machines.py`, `executions.py`,
`state_testing.py` for TestState) over the registries in `base.py`; `errors.py` gives every
AWS error code a `botocore.exceptions.ClientError` subclass.
"""

from durable_sfn.engine.api.client import LocalStepFunctions
from durable_sfn.engine.api.errors import ERRORS, Exceptions, StepFunctionsError

__all__ = ["ERRORS", "Exceptions", "LocalStepFunctions", "StepFunctionsError"]
