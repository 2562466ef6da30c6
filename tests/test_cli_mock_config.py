"""`durable-sfn run --mock-config FILE --test-case NAME`: Step Functions Local's mock configs.

The mocked states return their MockedResponses and never call the activity (here one that
fails if it is ever called); a test case names the state machine it belongs to; a bad file,
machine or case is a one-line error naming what exists.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from durable_sfn.cli import app

runner = CliRunner()

TRIP = """
from durable_sfn import OrchestrationContext, activity, orchestrator


@activity(name="BookFlight")
def book_flight(trip: str) -> str:
    raise RuntimeError("the real airline was called")


@orchestrator(name="Trip")
async def trip(ctx: OrchestrationContext) -> str:
    booking = await ctx.call_activity(book_flight, ctx.get_input())
    return "booked: " + booking
"""

CONFIG: dict[str, Any] = {
    "StateMachines": {
        "Trip": {
            "TestCases": {"HappyPath": {"BookFlight": "FlightBooked"}, "NoSeats": {"BookFlight": "NoSeats"}}
        }
    },
    "MockedResponses": {
        "FlightBooked": {"0": {"Return": {"StatusCode": 200, "Payload": "LH-400"}}},
        "NoSeats": {"0": {"Throw": {"Error": "NoSeatsLeft", "Cause": "the flight is full"}}},
    },
}


def _files(tmp_path: Path) -> tuple[Path, Path]:
    source = tmp_path / "trip.py"
    source.write_text(TRIP)
    config = tmp_path / "MockConfigFile.json"
    config.write_text(json.dumps(CONFIG))
    return source, config


def _run(*args: str) -> Any:
    return runner.invoke(app, ["run", *args])


def test_a_test_case_returns_the_mocked_response_without_calling_the_activity(tmp_path: Path) -> None:
    source, config = _files(tmp_path)
    result = _run(
        f"{source}:Trip",
        "-i",
        '"FRA-JFK"',
        "--mock-config",
        str(config),
        "--test-case",
        "HappyPath",
        "--json",
    )
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    assert outcome["status"] == "SUCCEEDED"
    assert outcome["output"] == "booked: LH-400"
    assert outcome["executionArn"].startswith("arn:aws:states:")


def test_a_mocked_error_fails_the_run(tmp_path: Path) -> None:
    source, config = _files(tmp_path)
    result = _run(
        f"{source}:Trip", "-i", '"FRA-JFK"', "--mock-config", str(config), "--test-case", "NoSeats", "--json"
    )
    assert result.exit_code == 1
    outcome = json.loads(result.stdout)
    assert (outcome["error"], outcome["cause"]) == ("NoSeatsLeft", "the flight is full")


def test_without_a_mock_config_the_activity_runs(tmp_path: Path) -> None:
    source, _ = _files(tmp_path)
    result = _run(f"{source}:Trip", "-i", '"FRA-JFK"', "--json")
    assert result.exit_code == 1
    assert "the real airline was called" in json.loads(result.stdout)["cause"]


def test_bad_mock_options_are_one_line_errors(tmp_path: Path) -> None:
    source, config = _files(tmp_path)
    only_file = _run(f"{source}:Trip", "--mock-config", str(config))
    assert only_file.exit_code != 0 and "--mock-config and --test-case go together" in only_file.output
    unknown_case = _run(f"{source}:Trip", "--mock-config", str(config), "--test-case", "Nope")
    assert unknown_case.exit_code != 0
    assert "'Nope'" in unknown_case.output and "HappyPath, NoSeats" in unknown_case.output
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"StateMachines": {"Other": {"TestCases": {}}}, "MockedResponses": {}}))
    unknown_machine = _run(f"{source}:Trip", "--mock-config", str(other), "--test-case", "HappyPath")
    assert unknown_machine.exit_code != 0 and "no StateMachines entry for 'Trip'" in unknown_machine.output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    unreadable = _run(f"{source}:Trip", "--mock-config", str(broken), "--test-case", "HappyPath")
    assert unreadable.exit_code != 0 and "Cannot read mock config" in unreadable.output
    assert "Traceback" not in unreadable.output
