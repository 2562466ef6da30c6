"""Logging in orchestrators: `logging.*`, module-level and local loggers and `print()` become log
records in the execution history without states of their own, read back by run_local, the CLI and
any history reader; the direct run logs through Python and collects the same records."""

from __future__ import annotations

import json
import logging
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.cli import app
from durable_sfn.client.logs import LogRecord, log_records
from durable_sfn.compiler import CompileError, compile_orchestrator, compile_source
from durable_sfn.testing import ExecutionResult, run_direct, run_local
from tests.server.conftest import (  # noqa: F401 (server is a fixture)
    Server,
    create_machine,
    server,
    wait_until_done,
)

logger = logging.getLogger(__name__)
NAME = __name__


@pytest.fixture(autouse=True)
def _every_level() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    yield
    root.setLevel(level)


@activity(name="LogDouble")
def double(x: int) -> int:
    logging.info("an activity's own log is not the orchestrator's")
    return x * 2


# -- pairs: the same orchestrator with and without log statements --------------------------------


@orchestrator(name="LogPlain")
async def plain(ctx: OrchestrationContext) -> JsonValue:
    x = ctx.get_input()
    a = await ctx.call_activity(double, x)
    if a > 10:
        b = await ctx.call_activity(double, a)
    else:
        b = a
    total = 0
    for i in range(3):
        step = await ctx.call_activity(double, i)
        total += step
    try:
        c = await ctx.call_activity(double, None)
    except Exception:
        c = -1
    return [a, b, total, c]


@orchestrator(name="LogLogged")
async def logged(ctx: OrchestrationContext) -> JsonValue:
    x = ctx.get_input()
    a = await ctx.call_activity(double, x)
    logger.info("start with %s", x)
    logging.info("doubled to %d", a)
    if a > 10:
        logger.warning("big: %s", a)
        b = await ctx.call_activity(double, a)
        print("again", b)
    else:
        logger.debug("small")
        b = a
    total = 0
    for i in range(3):
        logger.info(f"step {i}")
        step = await ctx.call_activity(double, i)
        total += step
        logger.info("total now %d", total)
    try:
        c = await ctx.call_activity(double, None)
    except Exception:
        logger.exception("double failed")
        c = -1
    logger.info("done")
    return [a, b, total, c]


@orchestrator(name="LogAtStart")
async def log_at_start(ctx: OrchestrationContext) -> JsonValue:
    logger.info("first thing")
    return await ctx.call_activity(double, 1)


@orchestrator(name="LogAtStartPlain")
async def log_at_start_plain(ctx: OrchestrationContext) -> JsonValue:
    return await ctx.call_activity(double, 1)


def _both(orch: Any, value: Any = None) -> tuple[ExecutionResult, ExecutionResult]:
    direct = run_direct(orch, value)
    compiled = run_local(orch, value)
    assert (compiled.status, compiled.output, compiled.error) == (direct.status, direct.output, direct.error)
    assert compiled.logs == direct.logs
    return direct, compiled


@pytest.mark.parametrize("value", [3, 7])
def test_log_statements_after_the_first_state_cost_no_transitions(value: int) -> None:
    _, without = _both(plain, value)
    direct, with_logs = _both(logged, value)
    assert with_logs.output == without.output
    assert len(with_logs.path) == len(without.path), (with_logs.path, without.path)
    assert [r.level for r in direct.logs][:2] == ["INFO", "INFO"]
    assert LogRecord("INFO", NAME, f"start with {value}") in direct.logs
    assert LogRecord("ERROR", NAME, "double failed") in direct.logs
    assert not any("activity" in r.message for r in direct.logs), "activities' logs are their own"


def test_a_log_before_the_first_state_costs_one_pass() -> None:
    _, without = _both(log_at_start_plain)
    direct, compiled = _both(log_at_start)
    assert len(compiled.path) == len(without.path) + 1
    assert direct.logs == [LogRecord("INFO", NAME, "first thing")]


def test_each_record_carries_level_logger_and_message() -> None:
    direct, compiled = _both(logged, 7)
    assert compiled.logs == direct.logs
    assert LogRecord("WARNING", NAME, "big: 14") in compiled.logs
    assert LogRecord("PRINT", None, "again 28") in compiled.logs
    assert LogRecord("DEBUG", NAME, "small") not in compiled.logs
    assert LogRecord("INFO", "root", "doubled to 14") in compiled.logs


# -- fan-outs: records written inside Map iterations ---------------------------------------------


@orchestrator(name="LogInBranches")
async def log_in_branches(ctx: OrchestrationContext) -> JsonValue:
    items = ctx.get_input()

    async def one(item: int) -> JsonValue:
        logger.info("item %d", item)
        result = await ctx.call_activity(double, item)
        logger.info("item %d gave %d", item, result)
        return result

    logger.info("fanning out over %d items", len(items))
    return await ctx.task_all([one(i) for i in items])


def test_records_of_map_iterations_are_in_the_history() -> None:
    direct = run_direct(log_in_branches, [1, 2])
    compiled = run_local(log_in_branches, [1, 2])
    assert compiled.output == direct.output == [2, 4]
    assert sorted(map(str, compiled.logs)) == sorted(map(str, direct.logs))
    assert len(compiled.logs) == 5
    definition = json.dumps(compile_orchestrator(log_in_branches))
    assert '"orchestratorLog2"' in definition, "a branch logs to a variable of its own scope"


# -- what is refused ----------------------------------------------------------------------------------

PREAMBLE = """\
import logging
from durable_sfn import OrchestrationContext, orchestrator

log = logging.getLogger("app")


@orchestrator(name="Bad")
async def bad(ctx: OrchestrationContext):
"""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("log.info('%5d', 3)", "support %s, %d, %i, %f, %.Nf, %r and %% only"),
        ("log.info('%s %s', 1)", "more placeholders than arguments"),
        ("log.info('%s', 1, 2)", "fewer placeholders than arguments"),
        ("m = 'x %s'\nlog.info(m, 1)", "must be a literal format string"),
        ("print('a', end='')", "print(end=...) is not supported"),
        ("other.info('x')", "cannot tell which logger 'other' is"),
        ("log.setLevel(10)", "logger method .setLevel() is not supported"),
        ("log.info('x', extras=1)", "unexpected keyword argument 'extras'"),
    ],
)
def test_log_calls_the_compiler_cannot_translate_are_refused(body: str, message: str) -> None:
    source = PREAMBLE + textwrap.indent(body, "    ") + "\n    return 1\n"
    with pytest.raises(CompileError) as info:
        compile_source(source, "bad.py")
    assert [d.code for d in info.value.diagnostics] == ["DSF041"], info.value
    assert message in str(info.value)


def test_the_log_variables_are_reserved() -> None:
    with pytest.raises(CompileError) as info:
        compile_source(PREAMBLE + "    orchestratorLog = 1\n    return orchestratorLog\n", "bad.py")
    assert "DSF006" in str(info.value)


# -- readers: the history, `durable-sfn run` and `history` ----------------------------------------


def test_log_records_read_from_history_events() -> None:
    events = [
        {"type": "PassStateEntered", "stateEnteredEventDetails": {"name": "Start"}},
        {
            "type": "PassStateExited",
            "stateExitedEventDetails": {
                "name": "Start",
                "assignedVariables": {
                    "x": "1",
                    "orchestratorLog": '[{"level":"INFO","logger":"app","message":"hi"},'
                    '{"level":"PRINT","logger":null,"message":"there"}]',
                },
            },
        },
        {
            "type": "TaskStateExited",
            "stateExitedEventDetails": {"assignedVariables": {"orchestratorLog2": "not json"}},
        },
    ]
    assert [str(r) for r in log_records(events)] == ["INFO app: hi", "print: there"]


def test_run_prints_the_log_records(tmp_path: Path) -> None:
    source = tmp_path / "logging_flow.py"
    source.write_text(
        "import logging\n"
        "from durable_sfn import OrchestrationContext, orchestrator\n\n"
        "logger = logging.getLogger('flows')\n\n\n"
        "@orchestrator(name='LoggingFlow')\n"
        "async def logging_flow(ctx: OrchestrationContext) -> int:\n"
        "    n = ctx.get_input()\n"
        "    logger.info('got %d [items]', n)\n"
        "    print('twice is', n * 2)\n"
        "    return n * 2\n"
    )
    result = CliRunner().invoke(app, ["run", str(source), "--input", "4"])
    assert result.exit_code == 0, result.output
    assert "log INFO flows: got 4 [items]" in result.output
    assert "log print: twice is 8" in result.output
    shown = CliRunner().invoke(app, ["run", str(source), "--input", "4", "--json"])
    assert json.loads(shown.output)["logs"][0] == {
        "level": "INFO",
        "logger": "flows",
        "message": "got 4 [items]",
    }


def test_history_shows_the_log_records(server: Server) -> None:  # noqa: F811
    sfn = server.client()
    records = [{"level": "WARNING", "logger": "flows", "message": "low [stock]"}]
    states = {"Log": {"Type": "Pass", "Assign": {"n": 1, "orchestratorLog": records}, "End": True}}
    machine = create_machine(sfn, "LoggingHistory", states, "Log")
    arn = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    wait_until_done(sfn, arn)
    shown = CliRunner().invoke(app, ["history", arn, "--endpoint-url", server.url])
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.output.replace("│", " ").split())
    assert "log WARNING flows: low [stock]" in text, shown.output
    assert "assigned n" in text and "orchestratorLog" not in text


# -- messages never fail: any JSON value is written as Python writes it ----------------------------


@activity(name="LogLookup")
def lookup(key: str) -> JsonValue:
    return {
        "key": key,
        "tags": ["a", "b's"],
        "found": True,
        "note": None,
        "score": 1.5,
        "nested": [{"x": [1]}],
    }


@orchestrator(name="LogValues")
async def log_values(ctx: OrchestrationContext) -> JsonValue:
    key = ctx.get_input()
    found = await ctx.call_activity(lookup, key)
    logger.info("found %s", found)
    logger.info("repr %r of %r", found["tags"], key)
    logger.info(f"tags {found['tags']} score={found['score']:.2f} note={found['note']}")
    print(found["nested"], found["found"], sep=" | ")
    return found["key"]


@pytest.mark.parametrize("key", ["k1", "it's", 'say "hi"'])
def test_messages_write_any_json_value_as_python_does(key: str) -> None:
    direct, compiled = _both(log_values, key)
    assert compiled.logs == direct.logs
    assert len(direct.logs) == 4, direct.logs
    assert direct.logs[1].message == f"repr ['a', \"b's\"] of {key!r}"


@orchestrator(name="LogBadFormat")
async def log_bad_format(ctx: OrchestrationContext) -> JsonValue:
    key = ctx.get_input()
    logger.info("count %d of %s", key, key)
    return key


def test_a_message_python_cannot_format_is_no_record_and_no_failure() -> None:
    # Python's logging reports a format error and drops the record (pytest's handler raises it
    # instead, so only the compiled run is run here); the compiled message is null, which
    # readers skip.
    compiled = run_local(log_bad_format, "k1")
    assert (compiled.status, compiled.output, compiled.logs) == ("SUCCEEDED", "k1", [])
    assert [str(r) for r in run_local(log_bad_format, 7).logs] == [
        "INFO tests.compiler.test_logging: count 7 of 7"
    ]


@orchestrator(name="LogFailingArgument")
async def log_failing_argument(ctx: OrchestrationContext) -> JsonValue:
    data = ctx.get_input()
    ctx.set_custom_status({"step": "parsing"})
    logger.info("parsed %s", int(data["text"]))
    print("then", f"{data['amount']:.2f}")
    ctx.set_custom_status({"step": "done"})
    return data["text"]


@pytest.mark.parametrize(
    "value",
    [{"text": "12", "amount": 1.5}, {"text": "twelve", "amount": 1.5}, {"text": "12", "amount": "x"}],
)
def test_a_failing_log_argument_fails_where_python_does(value: JsonValue) -> None:
    """Python evaluates a log call's arguments before the call: the custom status and the records
    set before them stay when one fails, and nothing after runs."""
    direct = run_direct(log_failing_argument, value)
    compiled = run_local(log_failing_argument, value)
    assert (compiled.status, compiled.output, compiled.custom_status) == (
        direct.status,
        direct.output,
        direct.custom_status,
    )
    assert compiled.logs == direct.logs
    if direct.status == "FAILED":
        assert f"{direct.error}: " in (compiled.cause or "")
        assert compiled.custom_status == {"step": "parsing"}


@orchestrator(name="LogFloats")
async def log_floats(ctx: OrchestrationContext) -> JsonValue:
    values = ctx.get_input()
    for v in values:
        print("value", v, v / 3, [v / 3])
        logger.info("third %s", v / 3)
    return None


def test_floats_print_as_python_prints_them() -> None:
    """str() of a float is its shortest round trip (17 digits where 15 are not enough), in a list too."""
    direct, compiled = _both(log_floats, [2, 0.1, 1e10, 7.5])
    assert compiled.logs == direct.logs
    assert direct.logs[0].message == "value 2 0.6666666666666666 [0.6666666666666666]"
