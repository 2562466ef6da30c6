"""`run` shows each retried task's attempts; `wait_for_completion` (start --wait) ends near the end."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from durable_sfn.cli import app
from durable_sfn.client.orchestration_client import OrchestrationClient
from durable_sfn.graph import ExecutionPath

runner = CliRunner()

FLAKY = """
from datetime import timedelta

from durable_sfn import OrchestrationContext, RetryOptions, activity, orchestrator

ATTEMPTS = {"n": 0}


@activity(name="BookFlight")
def book_flight(trip: str) -> str:
    ATTEMPTS["n"] += 1
    if ATTEMPTS["n"] < 4:
        raise ConnectionError("airline busy")
    return "flight for " + trip


@orchestrator(name="FlakyTrip")
async def flaky_trip(ctx: OrchestrationContext) -> str:
    trip = ctx.get_input()
    retry = RetryOptions(first_retry_interval=timedelta(seconds=5), max_number_of_attempts=5)
    return await ctx.call_activity_with_retry(book_flight, retry, trip)
"""


def test_run_shows_a_retried_task_with_its_attempts(tmp_path: Path) -> None:
    path = tmp_path / "run_flaky_trip.py"
    path.write_text(FLAKY)
    result = runner.invoke(app, ["run", str(path), "--input", '"Oslo"'], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    path_line = next(line for line in result.output.splitlines() if line.startswith("path: "))
    assert "BookFlight (x4, 3 retries)" in path_line, path_line

    as_json = runner.invoke(app, ["run", str(path), "--input", '"Oslo"', "--json"], catch_exceptions=False)
    assert "BookFlight" in json.loads(as_json.output)["path"]  # names only, as before


def test_path_labels_count_attempts_per_entry() -> None:
    path = ExecutionPath(["A", "B", "C"], None, "SUCCEEDED", [1, 2, 0])
    assert path.labels() == ["A", "B (x2, 1 retry)", "C"]
    assert ExecutionPath(["A"], None, "RUNNING").labels() == ["A"]


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class EndsAfter:
    """A Step Functions client whose execution ends `seconds` after the wait began."""

    def __init__(self, clock: FakeTime, seconds: float) -> None:
        self.clock, self.seconds, self.polls = clock, seconds, 0

    def describe_execution(self, executionArn: str) -> dict[str, Any]:
        self.polls += 1
        done = self.clock.now >= self.seconds
        return {
            "executionArn": executionArn,
            "status": "SUCCEEDED" if done else "RUNNING",
            "startDate": datetime.now(UTC),
        }


@pytest.mark.parametrize("seconds", [0.3, 5.0, 60.0, 3600.0])
def test_waiting_polls_within_a_tenth_of_the_execution_time(
    seconds: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeTime()
    monkeypatch.setattr("durable_sfn.client.orchestration_client.time.monotonic", clock.monotonic)
    monkeypatch.setattr("durable_sfn.client.orchestration_client.time.sleep", clock.sleep)
    sfn = EndsAfter(clock, seconds)
    client = OrchestrationClient(sfn)
    ended: list[float] = []
    monkeypatch.setattr(client, "get_status", lambda arn: ended.append(clock.now))
    arn = "arn:aws:states:us-east-1:123456789012:execution:M:x"
    client.wait_for_completion(arn, timeout=2 * seconds + 10)
    [returned_at] = ended
    assert seconds <= returned_at <= max(seconds * 1.1, seconds + 0.05), (seconds, returned_at)
    assert sfn.polls <= 100 + seconds / 5  # at most every 5 seconds once the instance is old
