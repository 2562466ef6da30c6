"""The errors a Step Functions execution can raise, named as AWS names them.

Every failure inside the engine is a `StatesError` carrying the Step Functions error name and
cause text, so that Retry/Catch matching, history events and describe_execution all see exactly
what AWS would report. Nothing else should escape the interpreter loop.
"""

from __future__ import annotations

ALL = "States.ALL"
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
TIMEOUT = "States.Timeout"
TASK_FAILED = "States.TaskFailed"
PERMISSIONS = "States.Permissions"
RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
PARAMETER_PATH_FAILURE = "States.ParameterPathFailure"
QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"
BRANCH_FAILED = "States.BranchFailed"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"
INTRINSIC_FAILURE = "States.IntrinsicFailure"
EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
ITEM_READER_FAILED = "States.ItemReaderFailed"
RESULT_WRITER_FAILED = "States.ResultWriterFailed"
RUNTIME = "States.Runtime"
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"


class StatesError(Exception):
    """A Step Functions error: `error` is the name Retry/Catch match on, `cause` the text users read."""

    def __init__(self, error: str, cause: str = "") -> None:
        super().__init__(f"{error}: {cause}" if cause else error)
        self.error = error
        self.cause = cause
        # Set when a Task failed after its result was received (its Output, Assign,
        # ResultSelector, ResultPath or OutputPath): Retry must not invoke the task again.
        self.after_result = False

    def __repr__(self) -> str:
        return f"StatesError({self.error!r}, {self.cause!r})"


class ReportedError(StatesError):
    """An error whose cause is final: a task's failure, a Fail state, an already-located error.

    The interpreter prefixes the cause of other errors raised by a state's own fields with the
    state's location (AWS's "An error occurred while executing the state ..."); these it leaves as
    they are.
    """
