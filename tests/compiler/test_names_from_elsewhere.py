"""Names from elsewhere: module-level and imported constants resolved from source (never by
importing the module), dispatch tables of activities, and os.environ read as deploy-time values.
Each construct runs direct and compiled with equal results, or is refused at its line."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path
from typing import Any

import pytest

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator
from durable_sfn.compiler import CompileError, compile_orchestrator, compile_source
from durable_sfn.deploy_values import MissingDeployValueError
from durable_sfn.testing import ExecutionResult, run_direct, run_local
from tests.compiler.app_config.booking_steps import BOOK, COMPENSATIONS, cancel_hotel
from tests.compiler.app_config.document_stages import STAGES
from tests.compiler.app_config.settings import DEFAULT_RETRY, ESCALATE_AFTER, LIMITS, QUEUE_PREFIX

APP = Path(__file__).parent / "app_config"


def _both(orch: Any, value: Any = None) -> tuple[ExecutionResult, ExecutionResult]:
    direct = run_direct(orch, value)
    compiled = run_local(orch, value)
    assert (compiled.status, compiled.output, compiled.error) == (direct.status, direct.output, direct.error)
    assert compiled.activity_calls == direct.activity_calls
    return direct, compiled


def _refused(source: str, file: Path) -> CompileError:
    with pytest.raises(CompileError) as info:
        compile_source(textwrap.dedent(source), str(file))
    return info.value


@activity(name="NeEcho")
def echo(value: JsonValue) -> JsonValue:
    return value


_flaky_calls: dict[str, int] = {}


@activity(name="NeFlaky")
def flaky(key: str) -> str:
    _flaky_calls[key] = _flaky_calls.get(key, 0) + 1
    if _flaky_calls[key] < 3:
        raise RuntimeError(f"attempt {_flaky_calls[key]} of {key} failed")
    return f"{key} ok"


@orchestrator(name="NeImportedConstants")
async def imported_constants(ctx: OrchestrationContext) -> JsonValue:
    tier = ctx.get_input()
    wait = ESCALATE_AFTER
    await ctx.create_timer(ctx.current_utc_datetime + wait)
    echoed = await ctx.call_activity(echo, {"limit": LIMITS[tier], "queue": QUEUE_PREFIX + tier})
    return {"echoed": echoed, "wait": wait.total_seconds()}


@pytest.mark.parametrize("tier", ["standard", "bulk"])
def test_constants_imported_from_another_module_are_read_from_its_source(tier: str) -> None:
    direct, _ = _both(imported_constants, tier)
    assert direct.output == {
        "echoed": {"limit": LIMITS[tier], "queue": f"fulfilment-queue-{tier}"},
        "wait": 900.0,
    }


def test_a_missing_key_of_an_imported_constant_fails_as_an_expression_error() -> None:
    # As any expression error no `try` catches (docs/compiler.md): Python's error in the Cause.
    direct = run_direct(imported_constants, "express")
    compiled = run_local(imported_constants, "express")
    assert (direct.status, direct.error) == ("FAILED", "KeyError")
    assert (compiled.status, compiled.error) == ("FAILED", "States.QueryEvaluationError")
    assert "KeyError: 'express'" in str(compiled.cause)


@orchestrator(name="NeImportedRetry")
async def imported_retry(ctx: OrchestrationContext) -> JsonValue:
    return await ctx.call_activity_with_retry(flaky, DEFAULT_RETRY, ctx.get_input())


def test_a_retry_policy_imported_from_another_module_is_the_tasks_retrier() -> None:
    definition = compile_orchestrator(imported_retry)
    task = next(s for s in definition["States"].values() if s.get("Type") == "Task")
    retrier = task["Retry"][-1]
    assert (retrier["ErrorEquals"], retrier["IntervalSeconds"], retrier["MaxAttempts"]) == (
        ["States.ALL"],
        2,
        2,
    )
    _flaky_calls.clear()
    direct = run_direct(imported_retry, "a")
    _flaky_calls.clear()
    compiled = run_local(imported_retry, "a")
    assert direct.output == compiled.output == "a ok"
    assert direct.activity_call_counts() == compiled.activity_call_counts() == {("NeFlaky", '"a"'): 3}


def test_a_module_constant_built_from_others_compiles_to_its_value(tmp_path: Path) -> None:
    source = """
    from durable_sfn import orchestrator
    BASE = 10
    SIZES = [BASE, BASE * 2, -BASE]
    NAMES = {"a": "x" + "y", "b": SIZES[1]}
    @orchestrator(name="Built")
    async def built(ctx):
        return {"sizes": SIZES, "names": NAMES}
    """
    definition = compile_source(textwrap.dedent(source), str(tmp_path / "built.py"))["Built"]
    (state,) = definition["States"].values()
    assert state["Output"] == {"sizes": [10, 20, -10], "names": {"a": "xy", "b": 20}}


@pytest.mark.parametrize(
    "change",
    [
        "LIMITS['a'] = 2",
        "LIMITS.update({'a': 2})",
        "def bump():\n    LIMITS.clear()",
        "def bump():\n    global LIMITS",
    ],
)
def test_a_module_name_the_module_changes_is_not_taken_as_a_constant(tmp_path: Path, change: str) -> None:
    source = (
        "from durable_sfn import orchestrator\nLIMITS = {'a': 1}\n"
        + change
        + textwrap.dedent(
            """
        @orchestrator(name="Changed")
        async def changed(ctx):
            return LIMITS['a']
        """
        )
    )
    error = _refused(source, tmp_path / "changed.py")
    assert "module-level 'LIMITS' is changed by this module" in str(error)
    assert error.diagnostics[0].line == source.splitlines().index("    return LIMITS['a']") + 1


# -- os.environ: deploy-time values -----------------------------------------------------------


@orchestrator(name="NeEnvironment")
async def environment(ctx: OrchestrationContext) -> JsonValue:
    table = os.environ["NE_TABLE"]
    mode = os.environ.get("NE_MODE", "standard")
    retries = os.getenv("NE_RETRIES")
    echoed = await ctx.call_activity(echo, {"table": table, "mode": mode})
    return {"echoed": echoed, "retries": retries, "limit": int(os.environ.get("NE_LIMIT", "10"))}


@pytest.mark.parametrize(
    "setting",
    [
        {"NE_TABLE": "orders"},
        {
            "NE_TABLE": 'quote " back\\slash\nnewline ünï ☃',
            "NE_MODE": "",
            "NE_RETRIES": "3",
            "NE_LIMIT": "25",
        },
        {"NE_TABLE": "", "NE_MODE": "=fast", "NE_LIMIT": " 7 "},
    ],
)
def test_environment_reads_are_deploy_time_values_equal_to_the_direct_run(
    setting: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NE_TABLE", "NE_MODE", "NE_RETRIES", "NE_LIMIT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in setting.items():
        monkeypatch.setenv(name, value)
    direct, _ = _both(environment)
    assert direct.output["echoed"]["table"] == setting["NE_TABLE"]  # type: ignore[index]


def test_an_environment_read_is_never_a_run_time_read() -> None:
    definition = json.dumps(compile_orchestrator(environment))
    assert "${env.NE_TABLE}" in definition and "${env.optional.NE_MODE}" in definition


def test_a_missing_required_variable_names_itself_in_both_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NE_TABLE", raising=False)
    direct = run_direct(environment)
    assert (direct.status, direct.error) == ("FAILED", "KeyError")
    with pytest.raises(MissingDeployValueError) as missing:
        run_local(environment)
    message = str(missing.value)
    assert "environment variable 'NE_TABLE' is not set" in message and "'NeEnvironment'" in message
    assert "state 'Set table'" in message and "os.environ.get('NE_TABLE', default)" in message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("return os.environ[ctx.get_input()]", "must be a string literal or module constant"),
        ("return os.environ.get('X', ctx.get_input())", "default of an environment read must be a literal"),
        ("return [k for k in os.environ]", "one variable at a time"),
        ("return os.environ.copy()", "os.environ.copy() is not supported"),
        ("return os.environ['not-portable']", "not a portable environment variable name"),
    ],
)
def test_other_uses_of_the_environment_are_refused_at_their_line(
    tmp_path: Path, body: str, message: str
) -> None:
    source = f"import os\nfrom durable_sfn import orchestrator\n@orchestrator(name='E')\nasync def e(ctx):\n    {body}\n"
    error = _refused(source, tmp_path / "env.py")
    (diagnostic,) = error.diagnostics
    assert (diagnostic.code, diagnostic.line) == ("DSF060", 5) and message in diagnostic.message
    assert diagnostic.hint  # each says what to write instead


# -- what each construct costs, in state transitions ----------------------------------------------


@orchestrator(name="NeDispatched")
async def dispatched(ctx: OrchestrationContext) -> JsonValue:
    step = ctx.get_input()
    return await ctx.call_activity(COMPENSATIONS[step], f"{step}-1")


@orchestrator(name="NeDirectCall")
async def direct_call(ctx: OrchestrationContext) -> JsonValue:
    step = ctx.get_input()
    return await ctx.call_activity(cancel_hotel, f"{step}-1")


@orchestrator(name="NeEnvRead")
async def env_read(ctx: OrchestrationContext) -> JsonValue:
    prefix = os.environ["NE_PREFIX"]
    return await ctx.call_activity(echo, prefix + ctx.get_input())


@orchestrator(name="NeEnvReadWithDefault")
async def env_read_with_default(ctx: OrchestrationContext) -> JsonValue:
    return await ctx.call_activity(echo, os.environ.get("NE_PREFIX", "p") + ctx.get_input())


@orchestrator(name="NeLiteralRead")
async def literal_read(ctx: OrchestrationContext) -> JsonValue:
    prefix = "p"
    return await ctx.call_activity(echo, prefix + ctx.get_input())


def test_a_dispatch_table_costs_one_choice_and_an_environment_read_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table, plain = run_local(dispatched, "hotel"), run_local(direct_call, "hotel")
    assert table.output == plain.output == "cancelled hotel-1"
    assert len(table.path) == len(plain.path) + 1  # the Choice
    monkeypatch.setenv("NE_PREFIX", "p")
    literal = run_local(literal_read, "x")
    for read in (env_read, env_read_with_default):
        compiled = run_local(read, "x")
        assert (compiled.output, len(compiled.path)) == (literal.output, len(literal.path))


# -- loops over a dispatch table ---------------------------------------------------------------------


@orchestrator(name="NeStagesLoop")
async def stages_loop(ctx: OrchestrationContext) -> JsonValue:
    doc = ctx.get_input()
    for stage in STAGES:
        doc = await ctx.call_activity(stage, doc)
    return doc


@orchestrator(name="NeReversedLoop")
async def reversed_loop(ctx: OrchestrationContext) -> JsonValue:
    results = []
    for stage in reversed(STAGES):
        result = await ctx.call_activity(stage, ctx.get_input())
        results.append(result)
    return results


@orchestrator(name="NeItemsLoop")
async def items_loop(ctx: OrchestrationContext) -> JsonValue:
    trip = ctx.get_input()
    kinds = []
    for kind in BOOK:
        kinds.append(kind)
    undone = []
    for kind, undo in COMPENSATIONS.items():
        result = await ctx.call_activity(undo, f"{kind}-{trip['id']}")
        undone.append(result)
    for book in BOOK.values():
        result = await ctx.call_activity(book, trip)
        undone.append(result)
    return {"keys": kinds, "undone": undone}


@pytest.mark.parametrize(
    ("orch", "value"),
    [
        (stages_loop, {"name": "a.pdf", "pages": ["total: 3"]}),
        (stages_loop, {"name": "b.pdf", "pages": []}),
        (items_loop, {"id": "t9"}),
        (reversed_loop, {"name": "r.pdf", "pages": ["total"], "text": "total", "label": "invoice"}),
    ],
)
def test_a_loop_over_a_dispatch_table_runs_alike(orch: Any, value: JsonValue) -> None:
    _both(orch, value)


def test_the_name_a_loop_binds_to_an_activity_is_refused_elsewhere(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """
        from durable_sfn import orchestrator
        from tests.compiler.app_config.document_stages import STAGES

        @orchestrator(name="Leaky")
        async def leaky(ctx):
            for stage in STAGES:
                await ctx.call_activity(stage, 1)
            return str(stage)
        """
    )
    error = _refused(source, tmp_path / "leaky.py")
    (diagnostic,) = [d for d in error.diagnostics if "read outside" in d.message]
    assert (diagnostic.code, diagnostic.line) == ("DSF011", 7)
