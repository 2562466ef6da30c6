"""Local commands: `validate`, `graph` and `run` (`serve` lives in `durable_sfn.cli.serve`).

They work on a definition (an `.asl.json` file, or an orchestrator in a `.py` file compiled on
the fly) with the in-process engine; none of them needs AWS credentials.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import sys
import threading
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.pretty import Pretty
from rich.text import Text

from durable_sfn.cli.remote import Token, make_client
from durable_sfn.cli.support import UsageError, err_console, parse_json_option, reports_errors
from durable_sfn.client.logs import LogRecord, log_records
from durable_sfn.deploy_values import deploy_value_placeholders
from durable_sfn.graph import path_from_history, render
from durable_sfn.local.activities import add_import_root
from durable_sfn.local.definitions import (
    LoadedDefinition,
    load_all,
    load_definitions,
    local_arns,
    split_target,
    substitute,
)

console = Console(highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
    app.command("graph")(graph)
    app.command("run")(run)


# -- validate --------------------------------------------------------------------------------


def _validation_diagnostics(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """Diagnostics from the engine's ValidateStateMachineDefinition (as AWS reports them)."""
    from durable_sfn.engine.api.client import LocalStepFunctions  # see the package docstring

    engine = LocalStepFunctions()
    response = engine.validate_state_machine_definition(definition=json.dumps(definition), type="STANDARD")
    return list(response.get("diagnostics", []))


@reports_errors
def validate(
    files: Annotated[
        list[str], typer.Argument(help="*.asl.json files, or orchestrator files (file.py[:name]).")
    ],
    json_output: Annotated[bool, typer.Option("--json", help="Print diagnostics as JSON.")] = False,
) -> None:
    """Check definitions against the States Language rules (and compile .py orchestrators first)."""
    report: dict[str, list[dict[str, Any]]] = {}
    for target in files:
        items, loaded = load_all(target)  # every orchestrator of a file.py, or the one named
        names = {item.name for item in loaded}
        for item in items:
            arns = local_arns(item.definition, names)
            # Deploy-time values (os.environ reads) do not change what is valid: left blank.
            arns.update(dict.fromkeys(deploy_value_placeholders(item.definition), ""))
            definition = substitute(item.definition, arns)
            report[item.source] = _validation_diagnostics(definition)
    errors = sum(1 for diags in report.values() for d in diags if d.get("severity") == "ERROR")
    if json_output:
        console.print_json(data={"files": report, "errors": errors})
    else:
        for source, diagnostics in report.items():
            if not diagnostics:
                console.print(f"[green]ok[/]    {source}")
                continue
            worst = "ERROR" if any(d.get("severity") == "ERROR" for d in diagnostics) else "WARNING"
            console.print(f"[red]{'FAIL' if worst == 'ERROR' else 'warn'}[/]  {source}")
            for d in diagnostics:
                location = f" at {d['location']}" if d.get("location") else ""
                console.print(f"      {d.get('severity')} {d.get('code')}{location}: {d.get('message')}")
    if errors:
        raise typer.Exit(1)


# -- graph -----------------------------------------------------------------------------------


@reports_errors
def graph(
    target: Annotated[str, typer.Argument(help="An .asl.json file or an orchestrator file.py[:name].")],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="mermaid, dot, svg or png (svg/png need Graphviz 'dot').")
    ] = "mermaid",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    history: Annotated[
        Path | None,
        typer.Option("--history", help="Highlight the path of this execution (get-execution-history JSON)."),
    ] = None,
    run_input: Annotated[
        str | None,
        typer.Option("--run", help="Run locally with this JSON input and highlight the path taken."),
    ] = None,
    activities: Annotated[
        list[str] | None,
        typer.Option("--activities", "-a", help="With --run: modules with @activity functions (repeatable)."),
    ] = None,
    setup: Annotated[
        list[str] | None,
        typer.Option("--setup", help="With --run: call module:function first (moto active)."),
    ] = None,
    execution: Annotated[
        str | None,
        typer.Option(
            "--execution", help="Highlight the path of this execution (ARN), read from AWS or --endpoint-url."
        ),
    ] = None,
    region: Annotated[str | None, typer.Option("--region", envvar="AWS_REGION", help="AWS region.")] = None,
    profile: Annotated[
        str | None, typer.Option("--profile", envvar="AWS_PROFILE", help="AWS profile.")
    ] = None,
    endpoint_url: Annotated[
        str | None,
        typer.Option("--endpoint-url", envvar="DURABLE_SFN_ENDPOINT_URL", help="Step Functions endpoint."),
    ] = None,
    token: Token = None,
) -> None:
    """Draw a definition as a Mermaid flowchart (or DOT/SVG/PNG), optionally with an execution's path."""
    if fmt not in ("mermaid", "dot", "svg", "png"):
        raise UsageError(f"unknown format {fmt!r}: use mermaid, dot, svg or png")
    if fmt == "png" and output is None:
        raise UsageError("PNG is binary: pass --output FILE.png")
    chosen, _ = load_all(target)
    if len(chosen) > 1:
        if history is not None or execution is not None or run_input is not None:
            names = ", ".join(item.source for item in chosen)
            raise UsageError(f"{target} defines several orchestrators; name the one that ran: {names}")
        _graph_each(chosen, fmt, output)
        return
    selected = chosen[0]
    events: list[dict[str, Any]] | None = None
    outcome: dict[str, Any] | None = None
    if history is not None:
        data = json.loads(history.read_text(encoding="utf-8"))
        events = data.get("events", []) if isinstance(data, dict) else data
    elif execution is not None:
        events = make_client(region, profile, endpoint_url, token=token).get_history(execution)
    elif run_input is not None:
        with contextlib.redirect_stdout(sys.stderr):  # activity logs must not mix with the picture
            outcome = _run_locally(
                target,
                parse_json_option(run_input, "--run input"),
                list(activities or []),
                real_time=False,
                setup=list(setup or []),
            )
        events = outcome["history"]
    picture = render(selected.definition, fmt, events)
    if output is not None:
        output.write_bytes(picture)
        err_console.print(f"wrote {output}")
    else:
        sys.stdout.write(picture.decode("utf-8"))
    if outcome is not None and outcome["status"] != "SUCCEEDED":
        # The picture marks where it failed; say why, and fail the command as `run` does.
        _report_failed_run(outcome)
        raise typer.Exit(1)


def _graph_each(items: list[LoadedDefinition], fmt: str, output: Path | None) -> None:
    """Every orchestrator of a file: one picture each (`OUT.name.svg`), or one after another on stdout."""
    if output is None:
        comment = "%%" if fmt == "mermaid" else "//"
        for index, item in enumerate(items):
            sys.stdout.write(("\n" if index else "") + f"{comment} {item.name} ({item.source})\n")
            sys.stdout.write(render(item.definition, fmt, None).decode("utf-8"))
        return
    for item in items:
        path = output.with_name(f"{output.stem}.{item.name}{output.suffix}")
        path.write_bytes(render(item.definition, fmt, None))
        err_console.print(f"wrote {path}")


def _report_failed_run(outcome: dict[str, Any]) -> None:
    """Status, failing state, error and cause of a local run, on stderr (stdout holds the picture)."""
    failed_state = path_from_history(outcome["history"]).failed_state
    where = f" in state {failed_state!r}" if failed_state else ""
    err_console.print(
        f"[bold red]{outcome['status']}[/]{where}  {outcome['executionArn']}", markup=True, highlight=False
    )
    err_console.print(f"error: {outcome['error']}", markup=False, highlight=False)
    if outcome["cause"]:
        err_console.print(f"cause: {short_cause(outcome['cause'])}", markup=False, highlight=False)


_FRAME = re.compile(r'File "([^"]+)", line (\d+), in (\S+)')


def short_cause(cause: str) -> str:
    """A Lambda error's message and where the user's code raised it, without the stack trace.

    Activities fail with Lambda's JSON cause (`errorMessage`, `errorType`, `stackTrace`); the
    full text stays available through `--json` and the execution history.
    """
    try:
        data = json.loads(cause)
    except ValueError:
        return cause
    if not isinstance(data, dict) or "errorMessage" not in data:
        return cause
    message = str(data["errorMessage"])
    package = str(Path(__file__).resolve().parents[1])  # durable_sfn's own frames are not the user's
    frames = [_FRAME.search(str(line)) for line in data.get("stackTrace") or []]
    own = [
        f
        for f in frames
        if f is not None and "site-packages" not in f.group(1) and not f.group(1).startswith(package)
    ]
    if not own:
        return message
    file, line, function = own[-1].groups()
    with contextlib.suppress(ValueError):
        file = str(Path(file).relative_to(Path.cwd()))
    return f"{message} (raised at {file}:{line} in {function})"


# -- run -------------------------------------------------------------------------------------


def _run_locally(
    target: str,
    input_value: Any,
    activity_modules: list[str],
    *,
    real_time: bool,
    events: list[tuple[str, Any]] | None = None,
    live: bool = False,
    setup: list[str] | None = None,
    mock: tuple[Path, str] | None = None,
) -> dict[str, Any]:
    from durable_sfn.local.runtime import LocalRuntime  # see the package docstring

    selected, loaded = load_definitions(target)
    add_import_root(split_target(target)[0])  # an .asl.json's project provides its activities too
    modules = [item.module for item in loaded if item.module is not None][:1]
    config = _mock_config(mock, selected.name) if mock is not None else None
    with LocalRuntime(
        real_time=real_time,
        activity_modules=activity_modules,
        modules=modules,
        setup=setup or [],
        mock_config=config,
    ) as runtime:
        arns = runtime.create_machines(loaded)
        # A test case is chosen as Step Functions Local chooses it: "<state machine ARN>#<TestCase>".
        start_arn = arns[selected.name] if mock is None else f"{arns[selected.name]}#{mock[1]}"
        client = runtime.client
        # Hold virtual time still while starting and raising, or an idle execution could jump
        # past its wait's timeout before the events arrive.
        clock = runtime.engine.clock
        clock.enter()
        try:
            instance = client.start_new(start_arn, input_value)
            for name, data in events or []:
                client.raise_event(instance, name, data)
        finally:
            clock.leave()
        if live:
            _watch(client, runtime.engine, instance)
        else:
            runtime.engine.wait_for_execution(instance)
        delivered = runtime.deliver_signals()  # entity signals the run sent, as the queue would
        if delivered.failed:
            err_console.print(
                f"[yellow]warning:[/] {len(delivered.failed)} entity signal(s) could not be applied"
            )
        status = client.get_status(instance)
        history = client.get_history(instance)
    return {
        "executionArn": instance,
        "status": status.status,
        "output": status.output,
        "error": status.error,
        "cause": status.cause,
        "customStatus": status.custom_status,
        "path": path_from_history(history).states,
        "logs": [dataclasses.asdict(record) for record in log_records(history)],
        "entitySignalsDelivered": delivered.received - len(delivered.failed),
        "history": history,
    }


def _mock_config(mock: tuple[Path, str], machine: str) -> dict[str, Any]:
    """The mock config file, read and checked: it must have `case` for the state machine run."""
    from durable_sfn.engine.mock_config import MockConfig, MockConfigError  # see the package docstring

    path, case = mock
    try:
        config = MockConfig.load(path)
    except MockConfigError as exc:
        raise UsageError(f"--mock-config: {exc}") from None
    if machine not in config.state_machines:
        known = ", ".join(sorted(config.state_machines)) or "none"
        raise UsageError(
            f"--mock-config {str(path)!r} has no StateMachines entry for {machine!r} (it has: {known}); "
            "the entry is named after the state machine, which is the orchestrator's name"
        )
    cases = config.state_machines[machine].get("TestCases") or {}
    if case not in cases:
        known = ", ".join(sorted(cases)) or "none"
        raise UsageError(
            f"--test-case {case!r}: {machine!r} has no such test case in {str(path)!r} (it has: {known})"
        )
    return {"StateMachines": config.state_machines, "MockedResponses": config.responses}


def _watch(client: Any, engine: Any, instance: str) -> None:
    """Show status and custom status live (real-time runs) until the execution ends."""
    done = threading.Event()

    def wait() -> None:
        try:
            engine.wait_for_execution(instance)
        finally:
            done.set()

    threading.Thread(target=wait, daemon=True).start()
    with Live(console=err_console, refresh_per_second=8, transient=True) as live:
        while not done.wait(0.25):
            status = client.get_status(instance, show_input=False)
            live.update(
                Panel(
                    Group(Text(f"{status.runtime_status}"), Pretty(status.custom_status)),
                    title=status.name,
                    subtitle="custom status",
                )
            )


@reports_errors
def run(
    target: Annotated[str, typer.Argument(help="An orchestrator file.py[:name] or an .asl.json file.")],
    input: Annotated[str | None, typer.Option("--input", "-i", help="JSON input, or @file.json.")] = None,
    activities: Annotated[
        list[str] | None,
        typer.Option(
            "--activities", "-a", help="Module, package or .py file with @activity functions (repeatable)."
        ),
    ] = None,
    event: Annotated[
        list[str] | None,
        typer.Option("--event", "-e", help="Raise NAME=JSON right after the start (buffered until awaited)."),
    ] = None,
    setup: Annotated[
        list[str] | None,
        typer.Option(
            "--setup", help="Call module:function first (moto active), e.g. to create and seed tables."
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")] = False,
    real_time: Annotated[
        bool,
        typer.Option("--real-time", help="Use the wall clock (default: virtual time, waits are instant)."),
    ] = False,
    mock_config: Annotated[
        Path | None,
        typer.Option(
            "--mock-config",
            help="A Step Functions Local mock config (MockConfigFile.json); needs --test-case.",
        ),
    ] = None,
    test_case: Annotated[
        str | None,
        typer.Option(
            "--test-case",
            help="The mock config's test case to run: its mocked states return their MockedResponses "
            "and never call the activity or service.",
        ),
    ] = None,
) -> None:
    """Compile (if needed) and run an orchestrator on the local engine; exit 1 unless it succeeds."""
    if (mock_config is None) != (test_case is None):
        raise UsageError(
            "--mock-config and --test-case go together: the file holds the test cases, and a run "
            "uses one of them (as Step Functions Local's '<state machine ARN>#<TestCase>')"
        )
    raised: list[tuple[str, Any]] = []
    for item in event or []:
        name, sep, data = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--event {item!r}: write NAME=JSON, e.g. --event 'Approval={{\"ok\": true}}'")
        raised.append((name, parse_json_option(data, f"--event {name}")))
    # Activity logs go to stderr, so stdout carries only the result (parseable with --json).
    with contextlib.redirect_stdout(sys.stderr):
        outcome = _run_locally(
            target,
            parse_json_option(input, "--input"),
            list(activities or []),
            real_time=real_time,
            events=raised,
            live=real_time and not json_output and sys.stderr.isatty(),
            setup=list(setup or []),
            mock=(mock_config, test_case) if mock_config is not None and test_case is not None else None,
        )
    if json_output:
        console.print_json(data={k: v for k, v in outcome.items() if k != "history"}, default=str)
    else:
        _print_outcome(outcome)
    if outcome["status"] != "SUCCEEDED":
        raise typer.Exit(1)


def _print_outcome(outcome: dict[str, Any]) -> None:
    colour = "green" if outcome["status"] == "SUCCEEDED" else "red"
    console.print(f"[bold {colour}]{outcome['status']}[/]  {outcome['executionArn']}")
    labels = path_from_history(outcome["history"]).labels()  # with each retried task's attempts
    console.print(f"path: {' -> '.join(labels) or '(no states entered)'}")
    if outcome["customStatus"] is not None:
        console.print(f"custom status: {json.dumps(outcome['customStatus'])}")
    for record in outcome["logs"]:
        console.print(f"log {LogRecord(**record)}", markup=False)
    if outcome["entitySignalsDelivered"]:
        console.print(f"entity signals delivered: {outcome['entitySignalsDelivered']}")
    if outcome["status"] == "SUCCEEDED":
        console.print("output:")
        console.print_json(data=outcome["output"])
    else:
        console.print(f"error: {outcome['error']}")
        if outcome["cause"]:
            console.print(f"cause: {short_cause(outcome['cause'])}", markup=False)
