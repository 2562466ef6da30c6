"""Retry/Catch matching and backoff arithmetic."""

from __future__ import annotations

from durable_sfn.engine import errors
from durable_sfn.engine.retry import RetryState, find_catcher, next_delay


def test_backoff_sequence_and_exhaustion() -> None:
    retriers = [{"ErrorEquals": ["E"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 3}]
    state = RetryState()
    assert [next_delay(retriers, "E", state) for _ in range(4)] == [2, 6, 18, None]
    assert state.total == 3


def test_defaults_and_zero_attempts() -> None:
    state = RetryState()
    assert [next_delay([{"ErrorEquals": ["States.ALL"]}], "X", state) for _ in range(4)] == [1, 2, 4, None]
    assert next_delay([{"ErrorEquals": ["X"], "MaxAttempts": 0}], "X", RetryState()) is None


def test_each_retrier_counts_its_own_attempts() -> None:
    retriers = [
        {"ErrorEquals": ["A"], "IntervalSeconds": 1, "MaxAttempts": 1},
        {"ErrorEquals": ["B"], "IntervalSeconds": 5, "MaxAttempts": 1},
    ]
    state = RetryState()
    assert next_delay(retriers, "A", state) == 1
    assert next_delay(retriers, "B", state) == 5
    assert next_delay(retriers, "A", state) is None


def test_full_jitter_stays_within_the_delay() -> None:
    retriers = [{"ErrorEquals": ["E"], "IntervalSeconds": 10, "JitterStrategy": "FULL", "MaxAttempts": 50}]
    state = RetryState()
    delays = [next_delay(retriers, "E", state) for _ in range(5)]
    assert all(d is not None and 0 <= d <= 10 * 2**i for i, d in enumerate(delays))


def test_wildcards() -> None:
    everything = [{"ErrorEquals": ["States.ALL"], "Next": "All"}]
    task_failed = [{"ErrorEquals": ["States.TaskFailed"], "Next": "TF"}]
    assert find_catcher(everything, "Custom") == everything[0]
    assert find_catcher(task_failed, "Custom") == task_failed[0]
    assert find_catcher(task_failed, errors.TIMEOUT) is None
    for terminal in (errors.RUNTIME, errors.DATA_LIMIT_EXCEEDED):
        assert find_catcher(everything, terminal) is None
        assert next_delay([{"ErrorEquals": ["States.ALL"]}], terminal, RetryState()) is None
    explicit = [{"ErrorEquals": [errors.DATA_LIMIT_EXCEEDED], "Next": "D"}]
    assert find_catcher(explicit, errors.DATA_LIMIT_EXCEEDED) == explicit[0]
