"""`file.py:name` targets and files with several orchestrators, for validate, graph and serve."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from durable_sfn.cli import app
from durable_sfn.local.definitions import definitions_at
from tests.server.conftest import CLI, Server, wait_until_done

runner = CliRunner()

TRIPS = """
from durable_sfn import OrchestrationContext, orchestrator


@orchestrator(name="BookHotel")
async def book_hotel(ctx: OrchestrationContext) -> str:
    city = ctx.get_input()
    return "hotel in " + city


@orchestrator(name="BookTrip")
async def book_trip(ctx: OrchestrationContext) -> dict:
    city = ctx.get_input()
    hotel = await ctx.call_sub_orchestrator(book_hotel, city)
    return {"hotel": hotel}
"""


def write_trips(tmp_path: Path) -> Path:
    path = tmp_path / "target_trips.py"
    path.write_text(TRIPS)
    return path


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_a_named_target_brings_the_sub_orchestrations_it_starts(tmp_path: Path) -> None:
    path = write_trips(tmp_path)
    assert sorted(item.name for item in definitions_at(f"{path}:book_trip")) == ["BookHotel", "BookTrip"]
    assert [item.name for item in definitions_at(f"{path}:BookHotel")] == ["BookHotel"]
    assert sorted(item.name for item in definitions_at(str(path))) == ["BookHotel", "BookTrip"]


def test_validate_checks_every_orchestrator_of_a_file_or_the_named_one(tmp_path: Path) -> None:
    path = write_trips(tmp_path)
    every = invoke("validate", str(path), "--json")
    assert every.exit_code == 0, every.output
    assert sorted(json.loads(every.output)["files"]) == [f"{path}:book_hotel", f"{path}:book_trip"]
    named = invoke("validate", f"{path}:book_trip", "--json")
    assert named.exit_code == 0, named.output
    assert list(json.loads(named.output)["files"]) == [f"{path}:book_trip"]


def test_graph_draws_every_orchestrator_of_a_file(tmp_path: Path) -> None:
    path = write_trips(tmp_path)
    drawn = invoke("graph", str(path))
    assert drawn.exit_code == 0, drawn.output
    assert f"%% BookHotel ({path}:book_hotel)" in drawn.output
    assert f"%% BookTrip ({path}:book_trip)" in drawn.output
    assert drawn.output.count("flowchart") == 2
    written = invoke("graph", str(path), "-f", "dot", "-o", str(tmp_path / "trips.dot"))
    assert written.exit_code == 0, written.output
    assert (tmp_path / "trips.BookTrip.dot").read_text().startswith("digraph")
    assert (tmp_path / "trips.BookHotel.dot").is_file()
    one = invoke("graph", f"{path}:book_hotel")
    assert one.exit_code == 0 and one.output.count("flowchart") == 1
    refused = invoke("graph", str(path), "--run", '"Oslo"')
    assert refused.exit_code == 1 and "name the one that ran" in refused.output


def test_serve_a_named_target_starts_its_sub_orchestration_as_a_state_machine(tmp_path: Path) -> None:
    path = write_trips(tmp_path)
    command = [str(CLI), "serve", "--port", "0", "--definitions", f"{path}:book_trip"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        log = []
        for line in process.stdout:
            log.append(line)
            if line.startswith("listening on "):
                break
        assert log and log[-1].startswith("listening on "), "".join(log)
        sfn = Server(log[-1].split()[-1], process, log).client()
        machines = {m["name"]: m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]}
        assert sorted(machines) == ["BookHotel", "BookTrip"]
        arn = sfn.start_execution(stateMachineArn=machines["BookTrip"], input='"Oslo"')["executionArn"]
        done = wait_until_done(sfn, arn)
        assert done["status"] == "SUCCEEDED", done
        assert json.loads(done["output"]) == {"hotel": "hotel in Oslo"}
    finally:
        process.terminate()
        process.wait(timeout=10)
