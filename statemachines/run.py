"""`make run`: the whole reference application, locally, on moto and the local engine.

Starts moto (DynamoDB, S3, SES, SNS) and the operations API on a free loopback port, seeds orders,
inventory, cards and invoice PDFs, then runs every scenario of `statemachines.scenarios` on the
local Step Functions engine with a live table of each instance's custom status and progress, and
finally prints each result and the path of states it took. Time is virtual: the 24-hour approval
timeout and the 5-minute polling deadline pass instantly. The last scenario is a large batch:
10,000 seeded bulk orders through ProcessAllOrdersLargeBatch's Distributed Map, its progress bar
filling as the batches end (`--orders N` to change the number, 0 to leave it out).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from statemachines.scenarios import BULK_KEY, BULK_ORDERS, SCENARIOS, Scenario, bulk_scenario

FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


@dataclass
class Progress:
    """What the live table shows for one scenario, read from the execution history."""

    scenario: Scenario
    state: str = "waiting"
    custom_status: Any = None
    states_entered: int = 0
    activity_calls: int = 0
    virtual_seconds: float = 0.0
    real_seconds: float = 0.0
    result: Any = None
    crash: str | None = None
    # Items of the execution's Distributed Maps: done (succeeded, failed or aborted) and total.
    items_done: int = 0
    items_total: int = 0
    path: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.result is not None and bool(self.scenario.expect(self.result))


def _read_history(engine: Any, arn: str) -> list[dict[str, Any]]:
    try:
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
        while True:  # GetExecutionHistory pages (100 events unless maxResults says more)
            page = engine.get_execution_history(**kwargs)
            events.extend(page["events"])
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]
    except Exception:  # not started yet
        return []


def _observe(progress: Progress, engine: Any, arn: str) -> None:
    events = _read_history(engine, arn)
    if not events:
        return
    entered = 0
    calls = 0
    for event in events:
        if "stateEnteredEventDetails" in event:
            entered += 1
        if event.get("type") in ("LambdaFunctionScheduled", "TaskScheduled"):
            calls += 1
        for key, details in event.items():
            if key.endswith("EventDetails") and isinstance(details, dict):
                assigned = details.get("assignedVariables") or {}
                if "customStatus" in assigned:
                    value = assigned["customStatus"]
                    progress.custom_status = json.loads(value) if isinstance(value, str) else value
    progress.states_entered = entered
    progress.activity_calls = calls
    _observe_map_runs(progress, engine, arn)
    progress.virtual_seconds = (events[-1]["timestamp"] - events[0]["timestamp"]).total_seconds()


def _observe_map_runs(progress: Progress, engine: Any, arn: str) -> None:
    """The items of the execution's Distributed Maps, read as a client reads them (DescribeMapRun)."""
    done = total = 0
    for listed in engine.list_map_runs(executionArn=arn)["mapRuns"]:
        counts = engine.describe_map_run(mapRunArn=listed["mapRunArn"])["itemCounts"]
        done += counts["succeeded"] + counts["failed"] + counts["aborted"]
        total += counts["total"]
    progress.items_done, progress.items_total = done, total


def _bar(done: int, total: int, width: int = 16) -> Text:
    filled = round(width * done / total) if total else 0
    return (
        Text("█" * filled, style="green")
        + Text("░" * (width - filled), style="dim")
        + Text(f" {done:,}/{total:,}")
    )


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.0f} s"


def _short(value: Any, width: int = 48) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(", ", ": "))
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(runs: list[Progress]) -> Table:
    table = Table(title="durable_sfn reference application: local engine, virtual time", title_justify="left")
    table.add_column("Scenario", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Custom status", min_width=24, overflow="fold")
    table.add_column("States", justify="right", no_wrap=True)
    table.add_column("Calls", justify="right", no_wrap=True)
    table.add_column("Map items", no_wrap=True)
    table.add_column("Virtual", justify="right", no_wrap=True)
    styles = {
        "SUCCEEDED": "green",
        "FAILED": "red",
        "running": "yellow",
        "waiting": "dim",
        "crashed": "bold red",
    }
    for run in runs:
        state = run.state
        if run.result is not None:
            state = run.result.status
        mark = "" if run.result is None else (" ✓" if run.passed else " ✗")
        table.add_row(
            run.scenario.title,
            Text(state + mark, style=styles.get(state, "")),
            _short(run.custom_status, 60) if run.custom_status is not None else "",
            str(run.states_entered or ""),
            str(run.activity_calls or ""),
            _bar(run.items_done, run.items_total) if run.items_total else "",
            _duration(run.virtual_seconds) if run.state != "waiting" else "",
        )
    return table


def _orchestrator_name(scenario: Scenario) -> str:
    from durable_sfn.dsl import orchestrator_definition

    definition = orchestrator_definition(scenario.orchestrator)
    return definition.name if definition else scenario.orchestrator.__name__


def compress_path(path: list[str]) -> str:
    """States in first-entry order, with a count for those entered more than once (loops, Map items)."""
    counts = Counter(path)
    parts = []
    for name in dict.fromkeys(path):
        parts.append(f"{name} (x{counts[name]})" if counts[name] > 1 else name)
    return " → ".join(parts)


def _run_all(runs: list[Progress], current: list[Any]) -> None:
    from durable_sfn.engine import LocalStepFunctions, MotoClients, VirtualClock
    from durable_sfn.testing import run_local
    from durable_sfn.testing.results import DEFAULT_START

    for run in runs:
        engine = LocalStepFunctions(clock=VirtualClock(DEFAULT_START), aws_client_factory=MotoClients())
        current[:] = [run, engine]
        run.state = "running"
        started = time.perf_counter()
        try:
            run.result = run_local(
                run.scenario.orchestrator,
                run.scenario.input,
                events=run.scenario.events,
                engine=engine,
                execution_name=run.scenario.key,
                timeout=run.scenario.timeout,
            )
            run.path = list(run.result.path)
            _observe(run, engine, _execution_arn(run))  # the final figures, from the full history
            run.custom_status = run.result.custom_status
        except Exception as exc:  # shown in the table; the run goes on with the next scenario
            run.state = "crashed"
            run.crash = f"{type(exc).__name__}: {exc}"
        run.real_seconds = time.perf_counter() - started
    current[:] = []


def _execution_arn(run: Progress) -> str:
    from durable_sfn._aws import execution_arn

    return execution_arn(_orchestrator_name(run.scenario), run.scenario.key)


def _report(console: Console, runs: list[Progress]) -> None:
    console.print()
    console.rule("Results: output and path of each execution")
    for run in runs:
        ok = run.passed
        name = _orchestrator_name(run.scenario)
        head = Text(
            ("✓ " if ok else "✗ ") + f"{run.scenario.title} [{name}]",
            style="bold green" if ok else "bold red",
        )
        head.append(
            f"  ({run.scenario.expectation}; {run.real_seconds:.2f} s real, {_duration(run.virtual_seconds)} virtual)",
            style="dim",
        )
        console.print(head)
        if run.crash:
            console.print(f"  crashed: {run.crash}", style="red", markup=False)
            continue
        result = run.result
        if result.status == "SUCCEEDED":
            console.print(
                "  output: " + json.dumps(result.output, separators=(", ", ": ")),
                markup=False,
                highlight=False,
            )
        else:
            console.print(
                f"  {result.status}: {result.error}: {_short(result.cause or '', 160)}", markup=False
            )
        console.print("  path:   " + compress_path(result.path), markup=False, highlight=False, style="dim")


def _report_loyalty(console: Console) -> None:
    """The LoyaltyBalance entities the shipped orders credited (committed state, signals drained)."""
    import boto3

    from durable_sfn.entities import EntityId, read_entity_state
    from durable_sfn.entities.in_process import DEFAULT_TABLE
    from lambdas.common import sample_data as data

    dynamodb = boto3.client("dynamodb", region_name=FAKE_AWS_ENV["AWS_REGION"])
    lines = []
    for email in dict.fromkeys(order["CustomerEmail"] for order in data.ORDERS):
        try:
            entity = read_entity_state(dynamodb, DEFAULT_TABLE, EntityId("LoyaltyBalance", email))
        except Exception:  # no order shipped in this run: the entity table was never created
            return
        if entity.exists:
            lines.append(f"  {email}: {entity.state['Points']} points from {entity.state['Orders']} order(s)")
    console.print()
    console.rule("Loyalty balances (LoyaltyBalance entity, credited by OrderProcessingOrchestration)")
    for line in lines or ["  none credited"]:
        console.print(line, markup=False, highlight=False)


def main(argv: list[str] | None = None, console: Console | None = None) -> int:
    """Run every scenario; return 0 when each ended as expected (the exit status of `make run`)."""
    parser = argparse.ArgumentParser(prog="python -m statemachines.run", description=__doc__.splitlines()[0])
    known = [s.key for s in SCENARIOS] + [BULK_KEY]
    parser.add_argument(
        "--only",
        action="append",
        metavar="KEY",
        help="run only these scenarios (repeatable): " + ", ".join(known),
    )
    parser.add_argument(
        "--orders",
        type=int,
        default=BULK_ORDERS,
        metavar="N",
        help=f"how many pending bulk orders the {BULK_KEY} scenario seeds and processes with "
        "ProcessAllOrdersLargeBatch (default: %(default)s; 0 leaves the scenario out). Each order "
        "is charged and its stock reserved in moto, about 4 ms of CPU an order",
    )
    parser.add_argument(
        "--log-file",
        type=Path,
        default=Path(tempfile.gettempdir()) / "durable-sfn-make-run.log",
        help="where the activities' JSON logs go (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.orders < 0:
        parser.error(f"--orders must be 0 or more, got {args.orders}")
    if console is None:
        console = Console()
        if not console.is_terminal:  # piped or captured: use a readable width, not 80 columns
            console = Console(width=120)
    scenarios = [s for s in SCENARIOS if not args.only or s.key in args.only]
    bulk = args.orders > 0 and (not args.only or BULK_KEY in args.only)
    if bulk:
        scenarios.append(bulk_scenario(args.orders))
    if not scenarios:
        console.print(f"no scenario matches {args.only}; known: {', '.join(known)}")
        return 2

    # Never touch a real account: moto intercepts every call, and the credentials are fake anyway.
    saved_env = {name: os.environ.get(name) for name in [*FAKE_AWS_ENV, "OPERATIONS_API_URL", "AWS_PROFILE"]}
    os.environ.update(FAKE_AWS_ENV)
    os.environ.pop("AWS_PROFILE", None)
    from moto import mock_aws

    from lambdas.common.logging import logger
    from lambdas.common.resources import create_and_seed, seed_bulk_orders
    from lambdas.operations.service import OperationsService

    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler), "Powertools logs through a StreamHandler"
    log_stream = args.log_file.open("w", encoding="utf-8")
    previous_stream = handler.setStream(log_stream)
    try:
        with mock_aws(), OperationsService() as operations:
            os.environ["OPERATIONS_API_URL"] = operations.url
            seed_started = time.perf_counter()
            create_and_seed()
            if bulk:
                seed_bulk_orders(args.orders)
            console.print(
                f"Seeded moto (DynamoDB, S3, SES, SNS) in {time.perf_counter() - seed_started:.2f} s; "
                f"operations API on {operations.url}; activity logs in {args.log_file}",
                highlight=False,
            )
            runs = [Progress(s) for s in scenarios]
            current: list[Any] = []
            worker = threading.Thread(target=_run_all, args=(runs, current), name="scenarios", daemon=True)
            started = time.perf_counter()
            with Live(_table(runs), console=console, refresh_per_second=12, transient=False) as live:
                worker.start()
                while worker.is_alive():
                    snapshot = list(current)
                    if snapshot:
                        _observe(snapshot[0], snapshot[1], _execution_arn(snapshot[0]))
                    live.update(_table(runs))
                    worker.join(0.05)
                live.update(_table(runs))
            _report(console, runs)
            _report_loyalty(console)
            failed = [r.scenario.title for r in runs if not r.passed]
            console.rule()
            console.print(
                f"{len(runs) - len(failed)}/{len(runs)} scenarios as expected in {time.perf_counter() - started:.1f} s"
                + (f"; unexpected: {', '.join(failed)}" if failed else ""),
                style="bold red" if failed else "bold green",
                highlight=False,
            )
            return 1 if failed else 0
    finally:
        handler.setStream(previous_stream)
        log_stream.close()
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


if __name__ == "__main__":
    sys.exit(main())
