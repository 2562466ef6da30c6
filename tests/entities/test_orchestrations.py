"""Entities through orchestrators: the direct run and the compiled run on the local engine agree."""

from __future__ import annotations

import json
from typing import Any

import pytest

from durable_sfn.entities import EntityBusyError, EntityId, LocalEntityHost
from durable_sfn.testing import run_direct, run_local
from tests.entities import orchestrators as o

RUNNERS = [pytest.param(run_direct, id="direct"), pytest.param(run_local, id="local")]


def test_100_concurrent_increments_from_a_fan_out_end_at_exactly_100(host: LocalEntityHost) -> None:
    result = run_local(o.fan_out_increments, {"key": "shared", "n": 100}, entities=host)

    assert result.status == "SUCCEEDED", result
    assert result.output == 100
    assert host.read(EntityId("Counter", "shared")).state == 100


@pytest.mark.parametrize("runner", RUNNERS)
def test_a_fan_out_of_increments_counts_every_one(runner: Any, host: LocalEntityHost) -> None:
    result = runner(o.fan_out_increments, {"key": "k", "n": 7}, entities=host)

    assert (result.status, result.output) == ("SUCCEEDED", 7)


@pytest.mark.parametrize("runner", RUNNERS)
def test_each_loop_iteration_is_its_own_operation(runner: Any, host: LocalEntityHost) -> None:
    result = runner(o.increment_in_loops, "k", entities=host)

    assert result.output == [1, 3, 6, 16, 26]


@pytest.mark.parametrize("runner", RUNNERS)
def test_signals_from_one_orchestration_arrive_in_order(runner: Any, host: LocalEntityHost) -> None:
    result = runner(o.signal_in_order, "log", entities=host)

    assert result.status == "SUCCEEDED"
    assert host.read(EntityId("Journal", "log")).state == ["first", "second", "third", "fourth", "fifth"]


@pytest.mark.parametrize("runner", RUNNERS)
def test_unknown_operations_and_entity_errors_are_caught_by_class_name(
    runner: Any, host: LocalEntityHost
) -> None:
    result = runner(o.catch_entity_errors, "acct", entities=host)

    assert result.output == {
        "unknown": "UnknownOperationError",
        "refused": "InsufficientFunds",
        "balance": 10,
    }


@pytest.mark.parametrize("runner", RUNNERS)
def test_an_uncaught_unknown_operation_fails_the_orchestration_with_its_name(
    runner: Any, host: LocalEntityHost
) -> None:
    result = runner(o.uncaught_unknown_operation, None, entities=host)

    assert (result.status, result.error) == ("FAILED", "UnknownOperationError")
    assert "multiply" in json.loads(result.cause)["errorMessage"]


@pytest.mark.parametrize("runner", RUNNERS)
def test_destruct_on_exit_deletes_the_entity(runner: Any, host: LocalEntityHost) -> None:
    result = runner(o.close_account, "gone", entities=host)

    assert result.output == 0
    assert not host.read(EntityId("Account", "gone")).exists


@pytest.mark.parametrize("runner", RUNNERS)
def test_entities_in_scope_of_the_orchestrator_are_hosted_by_default(runner: Any, aws_env: None) -> None:
    result = runner(o.close_account, "default")

    assert (result.status, result.output) == ("SUCCEEDED", 0)


def test_a_call_retried_after_its_write_was_applied_is_applied_once(
    host: LocalEntityHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply = host.handler
    attempts: list[str] = []

    def loses_the_first_response(event: Any, context: Any) -> Any:
        result = apply(event, context)  # the write happens...
        attempts.append(event["operationId"])
        if len(attempts) == 1:
            raise EntityBusyError("response lost after the write")  # ...the caller retries
        return result

    monkeypatch.setattr(host, "handler", loses_the_first_response)
    result = run_local(o.increment_in_loops, "retried", entities=host)

    assert attempts[0] == attempts[1]  # the retry carries the same operation id
    assert result.output == [1, 3, 6, 16, 26]  # and the first add counted once


@pytest.mark.parametrize("runner", RUNNERS)
def test_a_call_to_an_entity_nobody_hosts_raises_unknown_entity_error(
    runner: Any, host: LocalEntityHost
) -> None:
    result = runner(o.call_unknown_entity, None, entities=host)

    assert (result.status, result.output) == ("SUCCEEDED", "UnknownEntityError")
