"""`await ctx.call_http(...)`: compiled to the HTTP Task and Durable's 202 polling loop, run
against a real server on 127.0.0.1, direct (`run_direct`) and compiled (`run_local`) with equal
results: status, output, error and cause, and the virtual time the polling waited."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from durable_sfn import OrchestrationContext, OrchestrationError, orchestrator
from durable_sfn.compiler import CompileError, compile_orchestrator, compile_source
from durable_sfn.testing import ExecutionResult, run_direct, run_local
from tests.local_http import LocalHttp, Reply, local_http


@pytest.fixture
def server() -> Iterator[LocalHttp]:
    with local_http() as http:
        yield http


def both(orch: Any, input: Any, routes: Callable[[], object]) -> ExecutionResult:
    """Run direct and compiled, each against freshly scripted routes; assert they agree."""
    routes()
    direct = run_direct(orch, input)
    routes()
    compiled = run_local(orch, input)
    assert (compiled.status, compiled.output) == (direct.status, direct.output)
    assert (compiled.error, compiled.cause) == (direct.error, direct.cause)
    return direct


@orchestrator(name="PlaceOrderOverHttp")
async def place_order(ctx: OrchestrationContext) -> dict[str, Any]:
    url = ctx.get_input()
    response = await ctx.call_http(
        "post", url + "/orders", content={"item": "book", "qty": 2}, headers={"X-Api-Key": "k1"}
    )
    order = json.loads(response.content or "{}")  # Durable's attributes compile to the keys
    return {
        "status": response.status_code,
        "id": order["id"],
        "trace": response.headers["X-Trace"],
    }


def test_a_call_sends_the_request_and_hands_back_durables_response(server: LocalHttp) -> None:
    result = both(
        place_order,
        server.base,
        lambda: server.route("/orders", Reply(201, {"id": 7}, {"X-Trace": "t-1"})),
    )
    assert result.output == {"status": 201, "id": 7, "trace": "t-1"}
    posts = [r for r in server.requests if r.method == "POST"]
    assert len(posts) == 2 and all(json.loads(r.body) == {"item": "book", "qty": 2} for r in posts)
    assert all(r.headers["X-Api-Key"] == "k1" for r in posts)


@orchestrator(name="ExportReport")
async def export_report(ctx: OrchestrationContext) -> dict[str, Any]:
    base = ctx.get_input()
    started = ctx.current_utc_datetime
    response = await ctx.call_http("POST", base + "/exports", content="quarterly")
    waited = ctx.current_utc_datetime - started
    return {
        "status": response["status_code"],
        "content": response["content"],
        "waited": waited.total_seconds(),
    }


def test_a_202_with_a_location_is_polled_until_another_answer(server: LocalHttp) -> None:
    def routes() -> None:
        server.requests.clear()
        server.route("/exports", Reply(202, None, {"Location": "{base}/exports/1", "Retry-After": "5"}))
        server.route(
            "/exports/1",
            Reply(202, None, {"Location": "{base}/exports/1"}),  # no Retry-After: Durable's 30 s
            Reply(200, "report.csv"),
        )

    result = both(export_report, server.base, routes)
    assert result.output == {"status": 200, "content": "report.csv", "waited": 35}
    assert [(r.method, r.path) for r in server.requests] == [
        ("POST", "/exports"),
        ("GET", "/exports/1"),
        ("GET", "/exports/1"),
    ]
    assert server.requests[0].body == "quarterly"


@orchestrator(name="LookUpOrder")
async def look_up_order(ctx: OrchestrationContext) -> dict[str, Any]:
    url = ctx.get_input()
    try:
        response = await ctx.call_http("GET", url)
    except OrchestrationError as e:  # as `except Exception`: every failure, with error and cause
        return {"failed": e.error, "why": e.cause}
    return {"found": response["content"]}


@orchestrator(name="LookUpOrderUncaught")
async def look_up_order_uncaught(ctx: OrchestrationContext) -> Any:
    response = await ctx.call_http("GET", ctx.get_input())
    return response["content"]


def test_a_status_outside_2xx_raises_with_the_status_in_its_error(server: LocalHttp) -> None:
    caught = both(
        look_up_order, server.base + "/orders/9", lambda: server.route("/orders/9", Reply(404, "no order 9"))
    )
    assert caught.output == {"failed": "States.Http.StatusCode.404", "why": "no order 9"}
    failed = both(
        look_up_order_uncaught,
        server.base + "/orders/9",
        lambda: server.route("/orders/9", Reply(503, "busy")),
    )
    assert (failed.status, failed.error, failed.cause) == ("FAILED", "States.Http.StatusCode.503", "busy")


async def status_of(ctx: OrchestrationContext, url: str) -> int:
    response = await ctx.call_http("GET", url)
    return response.status_code


@orchestrator(name="CheckMirrors")
async def check_mirrors(ctx: OrchestrationContext) -> dict[str, Any]:
    urls = ctx.get_input()
    statuses = await ctx.task_all([status_of(ctx, u) for u in urls])
    bodies = await ctx.task_all([ctx.call_http("GET", u) for u in urls])
    return {"statuses": statuses, "bodies": [b["content"] for b in bodies]}


def test_calls_fan_out_in_task_all_as_helpers_and_as_tasks(server: LocalHttp) -> None:
    def routes() -> None:
        server.route("/m1", Reply(200, "one"))
        server.route("/m2", Reply(202, None, {"Location": "{base}/m2/ready"}), Reply(200, "two"))
        server.route("/m2/ready", Reply(200, "two, later"))

    urls = [server.base + "/m1", server.base + "/m2"]
    result = both(check_mirrors, urls, routes)
    # the first /m2 call is polled to its Location; the second gets the 200 /m2 repeats
    assert result.output == {"statuses": [200, 200], "bodies": ["one", "two"]}


def test_hosts_other_than_loopback_are_refused_in_both_runs_and_no_except_hides_it() -> None:
    result = both(look_up_order, "http://192.0.2.10/orders/1", lambda: None)
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "only to loopback addresses" in (result.cause or "")


def test_the_compiled_loop_costs_two_transitions_and_three_per_poll(server: LocalHttp) -> None:
    server.route("/exports", Reply(202, None, {"Location": "{base}/exports/1", "Retry-After": "1"}))
    server.route("/exports/1", Reply(200, "done"))
    polled = run_local(export_report, server.base)
    server.route("/exports", Reply(200, "done"))
    direct = run_local(export_report, server.base)
    assert len(polled.path) - len(direct.path) == 3
    definition = compile_orchestrator(export_report)
    http_states = [
        s for s in definition["States"].values() if s.get("Resource") == "arn:aws:states:::http:invoke"
    ]
    assert [s["Arguments"]["Method"] for s in http_states] == ["POST", "GET"]
    assert http_states[0]["Arguments"]["Authentication"] == {"ConnectionArn": "${DurableHttpConnection}"}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ('ctx.call_http(method, "http://127.0.0.1/x")', "must be a string literal naming an HTTP method"),
        ('ctx.call_http("FETCH", "http://127.0.0.1/x")', "must be a string literal naming an HTTP method"),
        ('ctx.call_http("GET", "http://127.0.0.1/x", token_source=token)', "cannot take a token_source"),
    ],
)
def test_what_a_step_functions_http_task_cannot_do_is_refused_at_its_line(call: str, message: str) -> None:
    source = (
        "from durable_sfn import orchestrator\n"
        "method, token = 'GET', None\n"
        "@orchestrator(name='Refused')\n"
        "async def refused(ctx):\n"
        "    return await ctx.call_http_placeholder\n"
    ).replace("ctx.call_http_placeholder", call)
    with pytest.raises(CompileError) as info:
        compile_source(source, "refused.py")
    assert message in str(info.value) and "refused.py:5" in str(info.value)
