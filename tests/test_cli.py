"""The operations commands through their real entry point (`durable_sfn.cli.app`, and the script)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from durable_sfn.cli import app
from durable_sfn.local.activities import package_root
from tests.server.conftest import (  # noqa: F401 (server is a fixture)
    CLI,
    Server,
    create_machine,
    server,
    wait_until,
    wait_until_done,
)

runner = CliRunner()

ORCHESTRATOR = textwrap.dedent(
    """
    from datetime import timedelta

    from durable_sfn import OrchestrationContext, activity, orchestrator


    @activity(name="Double")
    def double(n: int) -> int:
        if n < 0:
            raise ValueError(f"cannot double {n}")
        return n * 2


    @orchestrator(name="Doubler")
    async def doubler(ctx: OrchestrationContext) -> dict:
        n = ctx.get_input()
        ctx.set_custom_status("doubling")
        doubled = await ctx.call_activity(double, n)
        ctx.set_custom_status("waiting for Go")
        go = await ctx.wait_for_external_event("Go", timeout=timedelta(hours=1))
        ctx.set_custom_status("done")
        return {"doubled": doubled, "go": go}
    """
)

PASS_MACHINE = {
    "QueryLanguage": "JSONata",
    "StartAt": "Check",
    "States": {
        "Check": {
            "Type": "Choice",
            "Choices": [{"Condition": "{% $states.input.n > 0 %}", "Next": "Positive"}],
            "Default": "NotPositive",
        },
        "Positive": {"Type": "Pass", "Output": "{% $states.input.n %}", "End": True},
        "NotPositive": {"Type": "Fail", "Error": "NotPositive", "Cause": "n must be positive"},
    },
}


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    orchestrator = tmp_path / "doubler.py"
    orchestrator.write_text(ORCHESTRATOR)
    machine = tmp_path / "check.asl.json"
    machine.write_text(json.dumps(PASS_MACHINE))
    broken = tmp_path / "broken.asl.json"
    broken.write_text(
        json.dumps({"StartAt": "Missing", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}})
    )
    return {"orchestrator": orchestrator, "machine": machine, "broken": broken}


# -- validate ---------------------------------------------------------------------------------


def test_validate_accepts_good_definitions_and_compiled_orchestrators(files: dict[str, Path]) -> None:
    result = invoke("validate", str(files["machine"]), str(files["orchestrator"]))
    assert result.exit_code == 0, result.output
    assert f"ok    {files['machine']}" in result.output
    assert "doubler.py:doubler" in result.output


def test_validate_reports_every_problem_with_its_location_and_exits_1(files: dict[str, Path]) -> None:
    result = invoke("validate", str(files["broken"]), "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    diagnostics = report["files"][str(files["broken"])]
    assert report["errors"] >= 2
    assert any("Missing" in d["message"] for d in diagnostics)
    assert any("Nowhere" in d["message"] for d in diagnostics)


def test_compile_errors_are_shown_with_file_line_and_caret(tmp_path: Path) -> None:
    source = tmp_path / "nondeterministic.py"
    source.write_text(
        "import random\n"
        "from durable_sfn import OrchestrationContext, orchestrator\n\n\n"
        "@orchestrator\n"
        "async def pick(ctx: OrchestrationContext) -> float:\n"
        "    return random.random()\n"
    )
    for command in ("validate", "run"):
        result = invoke(command, str(source))
        assert result.exit_code == 1
        assert f"{source}:7:" in result.output
        assert "^" in result.output
        assert "Traceback" not in result.output


def test_a_missing_file_is_one_line_on_stderr_not_a_traceback(tmp_path: Path) -> None:
    result = invoke("validate", str(tmp_path / "nope.asl.json"))
    assert result.exit_code == 1
    assert "does not exist" in result.output
    assert "Traceback" not in result.output


# -- graph ------------------------------------------------------------------------------------


def test_graph_draws_mermaid_and_highlights_the_path_of_a_local_run(files: dict[str, Path]) -> None:
    plain = invoke("graph", str(files["machine"]))
    assert plain.exit_code == 0
    assert plain.output.startswith("flowchart TD")
    assert '{"Check"}' in plain.output and '["Positive"]' in plain.output
    assert "visited" not in plain.output

    traced = invoke("graph", str(files["machine"]), "--run", '{"n": 3}')
    assert traced.exit_code == 0, traced.output
    visited = next(
        line for line in traced.output.splitlines() if line.strip().startswith("class ") and "visited" in line
    )
    ids = {
        line.split("[")[0].split("{")[0].strip(): line for line in traced.output.splitlines() if '"' in line
    }
    positive = next(node for node, line in ids.items() if '"Positive"' in line)
    not_positive = next(node for node, line in ids.items() if '"NotPositive"' in line)
    assert positive in visited.split()[1].split(",")
    assert not_positive not in visited.split()[1].split(",")


def test_graph_of_a_failed_run_marks_the_failing_state_says_why_and_exits_1(
    files: dict[str, Path], tmp_path: Path
) -> None:
    traced = invoke("graph", str(files["machine"]), "--run", '{"n": 0}')
    assert traced.exit_code == 1
    assert traced.stdout.startswith("flowchart TD")  # the picture is still drawn, on stdout
    not_positive = next(
        line.split("[")[0].strip() for line in traced.stdout.splitlines() if '"NotPositive"' in line
    )
    assert f"  class {not_positive} failed" in traced.stdout.splitlines()
    assert "FAILED in state 'NotPositive'" in traced.stderr
    assert "error: NotPositive" in traced.stderr
    assert "cause: n must be positive" in traced.stderr
    assert "error:" not in traced.stdout

    # An activity's failure: its message and where it was raised, not Lambda's stack trace.
    picture = tmp_path / "failed.mmd"
    activity = invoke("graph", str(files["orchestrator"]), "--run", "-3", "-o", str(picture))
    assert activity.exit_code == 1
    assert "class" in picture.read_text() and "failed" in picture.read_text()
    assert "FAILED in state 'Double'" in activity.stderr
    assert "error: ValueError" in activity.stderr
    assert "cause: cannot double -3 (raised at " in activity.stderr
    assert "doubler.py:" in activity.stderr and "in double)" in activity.stderr
    assert "stackTrace" not in activity.stderr


def test_graph_writes_dot_and_explains_when_graphviz_is_missing(
    files: dict[str, Path], tmp_path: Path
) -> None:
    dot = invoke("graph", str(files["orchestrator"]), "--format", "dot")
    assert dot.exit_code == 0
    assert dot.output.startswith("digraph StateMachine {")
    assert "Wait for Go" in dot.output or "Go" in dot.output

    svg = invoke("graph", str(files["machine"]), "--format", "svg", "-o", str(tmp_path / "m.svg"))
    if shutil.which("dot") is None:
        assert svg.exit_code == 1
        assert "Graphviz 'dot' is not installed" in svg.output
    else:
        assert svg.exit_code == 0
        assert (tmp_path / "m.svg").read_text().lstrip().startswith("<?xml")


# -- run --------------------------------------------------------------------------------------


def test_run_compiles_and_runs_an_orchestrator_with_a_buffered_event(files: dict[str, Path]) -> None:
    result = invoke(
        "run", str(files["orchestrator"]), "--input", "21", "--event", 'Go={"by": "cli"}', "--json"
    )
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.output)
    assert outcome["status"] == "SUCCEEDED"
    assert outcome["output"] == {"doubled": 42, "go": {"by": "cli"}}
    assert outcome["customStatus"] == "done"
    assert "Double" in outcome["path"]


def test_run_reports_a_failed_execution_with_its_error_and_exits_1(files: dict[str, Path]) -> None:
    failing = invoke("run", str(files["orchestrator"]), "--input", "-1")
    assert failing.exit_code == 1
    assert "FAILED" in failing.output
    assert "error: ValueError" in failing.output
    assert "cannot double -1" in failing.output

    timed_out = invoke("run", str(files["orchestrator"]), "--input", "2", "--json")  # nobody sends Go
    assert timed_out.exit_code == 1
    assert json.loads(timed_out.output)["error"] == "States.Timeout"


def test_run_an_asl_file_and_reject_bad_input(files: dict[str, Path]) -> None:
    ok = invoke("run", str(files["machine"]), "--input", '{"n": 5}', "--json")
    assert ok.exit_code == 0
    assert json.loads(ok.output)["output"] == 5
    bad = invoke("run", str(files["machine"]), "--input", "{n: 5}")
    assert bad.exit_code == 1
    assert "--input is not valid JSON" in bad.output


def test_run_picks_the_file_own_orchestrator_and_creates_its_sub_orchestrations(tmp_path: Path) -> None:
    (tmp_path / "cli_sub_child.py").write_text(
        "from durable_sfn import OrchestrationContext, orchestrator\n\n\n"
        '@orchestrator(name="Child")\n'
        "async def child(ctx: OrchestrationContext) -> int:\n"
        "    n = ctx.get_input()\n"
        "    return n + 1\n"
    )
    parent = tmp_path / "cli_sub_parent.py"
    parent.write_text(
        "from cli_sub_child import child\n\n"
        "from durable_sfn import OrchestrationContext, orchestrator\n\n\n"
        '@orchestrator(name="Parent")\n'
        "async def parent(ctx: OrchestrationContext) -> dict:\n"
        "    n = ctx.get_input()\n"
        "    result = await ctx.call_sub_orchestrator(child, n)\n"
        "    return {'child': result}\n"
    )
    result = invoke("run", str(parent), "--input", "41", "--json")
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.output)
    assert ":execution:Parent:" in outcome["executionArn"]
    assert outcome["output"] == {"child": 42}


def test_a_compiled_definition_is_named_after_its_orchestrator(tmp_path: Path) -> None:
    compiled = tmp_path / "check_numbers.asl.json"
    compiled.write_text(
        json.dumps(
            {**PASS_MACHINE, "Comment": "NumberCheck: compiled from check_numbers.py:3 by durable_sfn"}
        )
    )
    result = invoke("run", str(compiled), "--input", '{"n": 1}', "--json")
    assert result.exit_code == 0, result.output
    assert ":execution:NumberCheck:" in json.loads(result.output)["executionArn"]


def test_the_installed_script_runs_and_fails_cleanly(files: dict[str, Path]) -> None:
    ok = subprocess.run(
        [str(CLI), "run", str(files["machine"]), "--input", '{"n": 0}', "--json"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert ok.returncode == 1
    assert json.loads(ok.stdout)["error"] == "NotPositive"
    wrong = subprocess.run(
        [str(CLI), "run", str(files["orchestrator"]) + ":nothing_here"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert wrong.returncode == 1
    assert wrong.stderr.strip().startswith("error:")
    assert "no orchestrator 'nothing_here'" in wrong.stderr
    assert "Traceback" not in wrong.stderr


ENTITY_ORCHESTRATOR = textwrap.dedent(
    """
    from durable_sfn import EntityContext, EntityId, OrchestrationContext, entity, orchestrator


    @entity(name="Visits", operations=("add", "get"))
    def visits(ctx: EntityContext) -> None:
        total = ctx.get_state(lambda: 0)
        if ctx.operation_name == "add":
            total += ctx.get_input()
            ctx.set_state(total)
        ctx.set_result(total)


    @orchestrator(name="Visitor")
    async def visitor(ctx: OrchestrationContext) -> int:
        page = ctx.get_input()
        total = await ctx.call_entity(EntityId("Visits", page), "add", 2)
        ctx.signal_entity(EntityId("Visits", page), "add", 10)
        return total
    """
)


def test_run_hosts_the_entities_an_orchestrator_calls_and_signals(tmp_path: Path) -> None:
    source = tmp_path / "cli_visitor.py"
    source.write_text(ENTITY_ORCHESTRATOR)
    result = invoke("run", str(source), "--input", '"home"', "--json")
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.output)
    assert outcome["output"] == 2
    # The orchestration's signal was applied in place, in order: nothing of it waits in the queue.
    assert outcome["entitySignalsDelivered"] == 0

    from durable_sfn.entities import EntityId
    from durable_sfn.local.definitions import load_definitions
    from durable_sfn.local.runtime import LocalRuntime

    selected, loaded = load_definitions(str(source))
    with LocalRuntime(real_time=False) as runtime:  # the entity comes with the definition's module
        arns = runtime.create_machines(loaded)
        first = runtime.client.start_new(arns[selected.name], "home")
        runtime.engine.wait_for_execution(first)
        assert runtime.client.read_entity_state(EntityId("Visits", "home")).state == 12  # signal applied
        assert runtime.deliver_signals().received == 0
        runtime.client.signal_entity("Visits@home", "add", 100)  # the runtime's client reaches them too
        runtime.deliver_signals()
        assert runtime.client.read_entity_state("Visits@home").state == 112


def test_run_explains_an_entity_no_module_defines(tmp_path: Path) -> None:
    source = tmp_path / "cli_orphan.py"
    source.write_text(
        "from durable_sfn import EntityId, OrchestrationContext, orchestrator\n\n\n"
        '@orchestrator(name="Orphan")\n'
        "async def orphan(ctx: OrchestrationContext) -> int:\n"
        '    return await ctx.call_entity(EntityId("Nowhere", "k"), "add", 1)\n'
    )
    result = invoke("run", str(source))
    assert result.exit_code == 1
    assert "calls entities Nowhere, but no @entity function with that name was found" in result.output
    assert "--activities" in result.output


# -- files outside the current directory -----------------------------------------------------


class Project:
    """A project elsewhere: flows/pipeline.py imports its activities from a sibling package."""

    def __init__(self, root: Path) -> None:
        self.package = f"acme_{uuid.uuid4().hex[:10]}"  # fresh per test: imports are cached
        self.root = root
        self.flow = root / "flows" / "pipeline.py"
        for folder in (root / "flows", root / self.package):
            folder.mkdir(parents=True)
            (folder / "__init__.py").write_text("")
        (root / self.package / "steps.py").write_text(
            "from durable_sfn import activity\n\n"
            "FACTOR = {'value': 2}\n\n\n"
            '@activity(name="Scale")\n'
            "def scale(n: int) -> int:\n"
            "    return n * FACTOR['value']\n"
        )
        (root / self.package / "seed.py").write_text(
            f"from {self.package}.steps import FACTOR\n\n\ndef triple() -> None:\n    FACTOR['value'] = 3\n"
        )
        self.flow.write_text(
            "from durable_sfn import OrchestrationContext, orchestrator\n"
            f"from {self.package}.steps import scale\n\n\n"
            '@orchestrator(name="Pipeline")\n'
            "async def pipeline(ctx: OrchestrationContext) -> int:\n"
            "    n = ctx.get_input()\n"
            "    return await ctx.call_activity(scale, n)\n"
        )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setattr(sys, "path", list(sys.path))  # what the commands add goes away after the test
    return Project(tmp_path / "project")


def test_package_root_is_the_parent_of_the_outermost_package(tmp_path: Path) -> None:
    project = Project(tmp_path / "p")
    assert package_root(project.flow) == project.root.resolve()
    assert package_root(project.root / "flows") == project.root.resolve()
    loose = tmp_path / "loose.py"
    loose.write_text("")
    assert package_root(loose) == tmp_path.resolve()


def test_validate_graph_and_run_a_py_file_from_another_directory(project: Project) -> None:
    assert Path.cwd() != project.root
    validated = invoke("validate", str(project.flow))
    assert validated.exit_code == 0, validated.output
    assert "ok" in validated.output

    drawn = invoke("graph", str(project.flow))
    assert drawn.exit_code == 0, drawn.output
    assert '"Scale"' in drawn.output

    # The setup hook and the activities are named as from the project root, too.
    ran = invoke(
        "run", str(project.flow), "--input", "5", "--setup", f"{project.package}.seed:triple", "--json"
    )
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.output)["output"] == 15


def test_run_a_compiled_definition_with_its_project_activities_from_another_directory(
    project: Project,
) -> None:
    compiled = invoke("compile", str(project.flow))
    assert compiled.exit_code == 0, compiled.output
    definition = project.flow.with_name("pipeline.asl.json")
    assert definition.is_file()
    ran = invoke("run", str(definition), "--input", "4", "--activities", project.package, "--json")
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.output)["output"] == 8


def test_the_installed_script_validates_a_py_file_from_another_directory(project: Project) -> None:
    result = subprocess.run(
        [str(CLI), "validate", str(project.flow)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "No module named" not in result.stderr


def test_serve_loads_definitions_and_their_project_activities_from_another_directory(
    project: Project,
) -> None:
    command = [
        str(CLI), "serve", "--port", "0", "--definitions", str(project.flow.parent),
        "--activities", project.package, "--setup", f"{project.package}.seed:triple",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        log = []
        for line in process.stdout:  # until the server says where it listens (or exits)
            log.append(line)
            if line.startswith("listening on "):
                break
        assert log and log[-1].startswith("listening on "), "".join(log)
        sfn = Server(log[-1].split()[-1], process, log).client()
        machine = next(m for m in sfn.list_state_machines()["stateMachines"] if m["name"] == "Pipeline")
        arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="7")["executionArn"]
        assert json.loads(wait_until_done(sfn, arn)["output"]) == 21
    finally:
        process.terminate()
        process.wait(timeout=10)


# -- remote commands against `durable-sfn serve` ------------------------------------------------


def test_start_status_history_list_and_graph_against_a_server(server: Server, tmp_path: Path) -> None:  # noqa: F811
    endpoint = ["--endpoint-url", server.url]
    sleep = {"Type": "Wait", "Seconds": 3600, "Assign": {"customStatus": "sleeping"}, "End": True}
    create_machine(server.client(), "CliSleeper", {"Sleep": sleep}, "Sleep")
    definition = tmp_path / "sleeper.asl.json"
    definition.write_text(
        json.dumps({"QueryLanguage": "JSONata", "StartAt": "Sleep", "States": {"Sleep": sleep}})
    )

    started = invoke("start", "CliSleeper", "--input", '{"n": 4}', "--instance-id", "cli-1", *endpoint)
    assert started.exit_code == 0, started.output
    instance = started.output.strip()
    assert instance.endswith(":execution:CliSleeper:cli-1")

    status = invoke("status", "cli-1", "--json", *endpoint)
    assert status.exit_code == 0, status.output
    shown = json.loads(status.output)
    assert (shown["instanceId"], shown["runtimeStatus"], shown["input"]) == (instance, "Running", {"n": 4})

    history = invoke("history", instance, *endpoint)
    assert (
        history.exit_code == 0
        and "ExecutionStarted" in history.output
        and "WaitStateEntered" in history.output
    )

    listed = invoke("list", "--orchestrator", "CliSleeper", "--status", "Running", "--json", *endpoint)
    assert [item["name"] for item in json.loads(listed.output)] == ["cli-1"]
    drawn = invoke("graph", str(definition), "--execution", instance, *endpoint)
    assert drawn.exit_code == 0, drawn.output
    assert "  class n0,n2 visited" in drawn.output  # start and Sleep; the end is not reached yet
    assert invoke("terminate", instance, *endpoint).exit_code == 0


def test_events_raise_and_terminate_against_a_server(server: Server) -> None:  # noqa: F811
    endpoint = ["--endpoint-url", server.url]
    sfn = server.client()
    waiter = "arn:aws:lambda:us-east-1:123456789012:function:DurableEventWaiter"
    states = {
        "Wait": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Arguments": {
                "FunctionName": waiter,
                "Payload": {
                    "executionArn": "{% $states.context.Execution.Id %}",
                    "eventName": "Go",
                    "taskToken": "{% $states.context.Task.Token %}",
                },
            },
            "TimeoutSeconds": 3600,
            "End": True,
        }
    }
    create_machine(sfn, "CliWaiter", states, "Wait")
    first = invoke("start", "CliWaiter", "--instance-id", "w-1", *endpoint).output.strip()
    raised = invoke("events", "raise", "w-1", "Go", '{"ok": true}', *endpoint)
    assert raised.exit_code == 0, raised.output
    assert "event 'Go'" in raised.output
    wait_until(lambda: sfn.describe_execution(executionArn=first)["status"] == "SUCCEEDED")
    assert json.loads(sfn.describe_execution(executionArn=first)["output"]) == {"ok": True}

    second = invoke("start", "CliWaiter", "--instance-id", "w-2", *endpoint).output.strip()
    stopped = invoke("terminate", second, "--reason", "no longer needed", *endpoint)
    assert stopped.exit_code == 0, stopped.output
    assert sfn.describe_execution(executionArn=second)["status"] == "ABORTED"
    again = invoke("terminate", second, *endpoint)
    assert again.exit_code == 1 and "already ended (ABORTED)" in again.output
    late = invoke("events", "raise", second, "Go", *endpoint)
    assert late.exit_code == 1 and "not RUNNING" in late.output


def test_remote_commands_explain_an_unreachable_endpoint() -> None:
    result = runner.invoke(
        app, ["status", "x", "--endpoint-url", "http://127.0.0.1:9"], env={"AWS_MAX_ATTEMPTS": "1"}
    )
    assert result.exit_code == 1
    assert "cannot reach the endpoint" in result.output


def test_redrive_list_pages_and_purge_against_a_server(server: Server) -> None:  # noqa: F811
    endpoint = ["--endpoint-url", server.url]
    sfn = server.client()
    item = f"scarves-{uuid.uuid4().hex[:6]}"
    pick = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": {"FunctionName": "Pick", "Payload": "{% $states.input %}"},
        "Output": "{% $states.result.Payload %}",
        "End": True,
    }
    create_machine(sfn, "CliPicker", {"Pick": pick}, "Pick")
    instance = invoke(
        "start",
        "CliPicker",
        "--input",
        json.dumps(item),
        "--instance-id",
        "pick-1",
        "--wait",
        "30",
        *endpoint,
    )
    assert instance.exit_code == 1 and "Failed" in instance.output
    server.client("dynamodb").put_item(TableName="stock", Item={"item": {"S": item}, "count": {"N": "1"}})

    redriven = invoke("redrive", "pick-1", "--wait", "30", "--json", *endpoint)
    assert redriven.exit_code == 0, redriven.output
    shown = json.loads(redriven.output)
    assert (shown["runtimeStatus"], shown["output"]) == ("Completed", f"picked {item}")
    again = invoke("redrive", "pick-1", *endpoint)
    assert again.exit_code == 1 and "Execution is SUCCEEDED and cannot be redriven" in again.output

    for n in range(3):
        invoke(
            "start",
            "CliPicker",
            "--input",
            json.dumps(item),
            "--instance-id",
            f"more-{n}",
            "--wait",
            "30",
            *endpoint,
        )
    first = invoke("list", "--orchestrator", "CliPicker", "--max", "2", "--json", *endpoint)
    assert first.exit_code == 0, first.output
    assert [i["name"] for i in json.loads(first.stdout)] == ["more-2", "more-1"]
    token = first.stderr.split("--next-token", 1)[1].split()[0]
    rest = invoke(
        "list", "--orchestrator", "CliPicker", "--max", "5", "--next-token", token, "--json", *endpoint
    )
    assert [i["name"] for i in json.loads(rest.stdout)] == [
        "more-0",
        "pick-1",
    ] and "--next-token" not in rest.stderr
    started = sfn.describe_execution(executionArn=shown["instanceId"])["startDate"]
    older = invoke(
        "list", "--orchestrator", "CliPicker", "--created-to", started.isoformat(), "--json", *endpoint
    )
    assert [i["name"] for i in json.loads(older.stdout)] == ["pick-1"]
    assert invoke("list", "--next-token", token, *endpoint).exit_code == 1  # needs --max

    purged = invoke("purge", "pick-1", *endpoint)
    assert purged.exit_code == 0 and "purged 1 instance" in purged.output
    assert invoke("purge", *endpoint).exit_code == 1  # an instance or --created-from
