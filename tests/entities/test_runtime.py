"""Operations on one entity: results, state versions, exactly-once retries, rollback, conflicts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from durable_sfn.entities import (
    ConflictRetry,
    EntityBusyError,
    EntityContext,
    EntityId,
    EntityRuntime,
    EntityStateError,
    EntityStore,
    LocalEntityHost,
    UnknownEntityError,
    UnknownOperationError,
    entity,
)
from tests.entities.sample_entities import InsufficientFunds, counter

C = EntityId("Counter", "c1")
A = EntityId("Account", "acct-1")


def raw_item(host: LocalEntityHost, entity_id: EntityId) -> dict[str, Any] | None:
    item: dict[str, Any] | None = host.runtime.store.client.get_item(
        TableName=host.table_name, Key={"id": {"S": str(entity_id)}}
    ).get("Item")
    return item


def test_operations_return_results_and_each_write_bumps_the_version(host: LocalEntityHost) -> None:
    assert host.read(C).exists is False
    assert host.call(C, "add", 5) == 5
    assert host.call(C, "add", 2) == 7
    state = host.read(C)
    assert (state.exists, state.state, state.version) == (True, 7, 2)


def test_reads_do_not_write_or_change_the_version(host: LocalEntityHost) -> None:
    host.call(C, "add", 3)
    outcome = host.apply(C, "get")
    assert (outcome.result, outcome.version) == (3, 1)
    assert host.read(C).version == 1


def test_a_call_retried_after_its_write_was_applied_is_applied_once(host: LocalEntityHost) -> None:
    first = host.apply(C, "add", 10, operation_id="exec-1|AddPoints|0")
    host.call(C, "add", 1)  # other work happens between the attempt and its retry
    retry = host.apply(C, "add", 10, operation_id="exec-1|AddPoints|0")

    assert (first.result, first.replayed) == (10, False)
    # The retry returns the recorded result, not a second application's.
    assert (retry.result, retry.replayed) == (10, True)
    assert host.read(C).state == 11


def test_retry_through_the_lambda_entry_returns_the_recorded_result(host: LocalEntityHost) -> None:
    call = {
        "kind": "call",
        "name": "Account",
        "key": "a",
        "operation": "deposit",
        "input": 50,
        "operationId": "op-1",
    }
    assert host.handler(call, None) == 50
    assert host.handler(call, None) == 50
    assert host.read(EntityId("Account", "a")).state == 50


def test_user_errors_propagate_by_class_and_leave_the_state_unchanged(host: LocalEntityHost) -> None:
    host.call(A, "deposit", 10)
    with pytest.raises(InsufficientFunds, match="balance 10 is less than 30"):
        host.call(A, "withdraw", 30)
    with pytest.raises(ValueError, match="refused"):
        host.call(C, "add_then_fail")
    assert host.read(A).state == 10
    assert host.read(C).exists is False


def test_undeclared_operation_is_refused_before_the_entity_runs(host: LocalEntityHost) -> None:
    with pytest.raises(
        UnknownOperationError,
        match=r"'Counter'.*no operation 'multiply'.*handles add, add_then_fail, get, reset",
    ):
        host.call(C, "multiply", 2)


def test_operation_outside_the_entitys_own_dispatch_raises_unknown_operation(host: LocalEntityHost) -> None:
    with pytest.raises(UnknownOperationError, match=r"'Account'.*no operation 'transfer'") as info:
        host.call(A, "transfer", 1)
    # Orchestrators catch it by name: Error is the class name, as for activities.
    assert info.value.error == "UnknownOperationError"


def test_unknown_entity_raises_a_named_error_listing_what_is_hosted(host: LocalEntityHost) -> None:
    with pytest.raises(
        UnknownEntityError, match=r"no entity named 'Cart'.*hosted: Account, Counter, Journal"
    ):
        host.call(EntityId("Cart", "x"), "add", 1)


def test_destruct_on_exit_removes_the_state_and_keeps_a_tombstone_for_retries(host: LocalEntityHost) -> None:
    host.call(C, "add", 4)
    assert host.call(C, "reset", operation_id="reset-1") == 4

    assert host.read(C).exists is False
    item = raw_item(host, C)
    assert item is not None and "state" not in item and item["exists"] == {"BOOL": False}
    assert int(item["expiresAt"]["N"]) > 0  # DynamoDB's TTL removes the tombstone later
    # A retry of the destructing call is recognised; a new operation starts afresh, versions go on.
    assert host.apply(C, "reset", operation_id="reset-1").replayed is True
    assert host.call(C, "add", 1) == 1
    assert host.read(C).version == 3


def test_destruct_on_exit_deletes_the_item_when_tombstones_are_off(host: LocalEntityHost) -> None:
    store = EntityStore(host.runtime.store.client, host.table_name, tombstone_ttl=None)
    runtime = EntityRuntime([counter], store)
    runtime.apply(C, "add", 4, "a")
    runtime.apply(C, "reset", None, "r")
    assert raw_item(host, C) is None


def test_state_that_is_not_json_is_refused_with_the_entity_named(host: LocalEntityHost) -> None:
    @entity(name="Bad")
    def bad(ctx: EntityContext) -> None:
        ctx.set_state({1, 2})

    runtime = EntityRuntime([bad], host.runtime.store)
    with pytest.raises(EntityStateError, match=r"'Bad@k'.*state is not JSON-serialisable"):
        runtime.apply(EntityId("Bad", "k"), "x", None, "op")


def test_state_too_large_for_an_item_is_refused(host: LocalEntityHost) -> None:
    @entity(name="Big")
    def big(ctx: EntityContext) -> None:
        ctx.set_state("x" * 500_000)

    runtime = EntityRuntime([big], host.runtime.store)
    with pytest.raises(EntityStateError, match=r"over the .*-byte budget of a DynamoDB item"):
        runtime.apply(EntityId("Big", "k"), "x", None, "op")


def test_the_log_of_applied_operations_is_bounded(host: LocalEntityHost) -> None:
    store = EntityStore(host.runtime.store.client, host.table_name, max_applied=3)
    runtime = EntityRuntime([counter], store)
    for i in range(4):
        runtime.apply(C, "add", 1, f"op-{i}")
    assert runtime.apply(C, "add", 1, "op-3").replayed is True
    # op-0 fell out of the window: a retry this late is applied again (documented limit).
    assert runtime.apply(C, "add", 1, "op-0").replayed is False
    assert store.read(C).state == 5


class _Interloper:
    """Commits a competing write the first `times` times the entity runs: a forced conflict."""

    def __init__(self, runtime_of_others: EntityRuntime, times: int) -> None:
        self.others = runtime_of_others
        self.times = times
        self.runs = 0

    def __call__(self, ctx: EntityContext) -> None:
        self.runs += 1
        if self.runs <= self.times:
            self.others.apply(ctx.entity_id, "add", 100, f"interloper-{self.runs}")
        value = ctx.get_state(lambda: 0) + ctx.get_input()
        ctx.set_state(value)
        ctx.set_result(value)


def test_a_lost_concurrency_round_reruns_the_operation_on_the_new_state(host: LocalEntityHost) -> None:
    others = EntityRuntime([counter], host.runtime.store)
    interloper = _Interloper(others, times=2)
    racy = entity(name="Counter", operations=("add",))(lambda ctx: interloper(ctx))
    sleeps: list[float] = []
    runtime = EntityRuntime([racy], host.runtime.store, sleep=sleeps.append)

    outcome = runtime.apply(C, "add", 1, "mine")

    assert (outcome.result, outcome.attempts) == (201, 3)
    assert host.read(C).state == 201
    assert len(sleeps) == 2 and all(0 <= s <= ConflictRetry().max_delay for s in sleeps)


def test_too_many_lost_rounds_raise_busy_and_apply_nothing(host: LocalEntityHost) -> None:
    others = EntityRuntime([counter], host.runtime.store)
    interloper = _Interloper(others, times=10)
    racy = entity(name="Counter", operations=("add",))(lambda ctx: interloper(ctx))
    runtime = EntityRuntime(
        [racy], host.runtime.store, conflict_retry=ConflictRetry(max_attempts=3), sleep=lambda s: None
    )

    with pytest.raises(EntityBusyError, match="lost 3 optimistic-concurrency rounds"):
        runtime.apply(C, "add", 1, "mine")
    assert host.read(C).state == 300  # only the interloper's three writes


def test_tombstone_ttl_is_configurable(host: LocalEntityHost) -> None:
    store = EntityStore(
        host.runtime.store.client, host.table_name, tombstone_ttl=timedelta(hours=2), clock=lambda: 1000.0
    )
    runtime = EntityRuntime([counter], store)
    runtime.apply(C, "add", 1, "a")
    runtime.apply(C, "reset", None, "r")
    item = raw_item(host, C)
    assert item is not None and item["expiresAt"] == {"N": str(1000 + 7200)}


def test_a_direct_run_session_applies_calls_and_signals_in_the_order_issued(host: LocalEntityHost) -> None:
    calls = host.session("run-1")
    assert calls.call(C, "add", 2) == 2
    assert calls.call(C, "add", 2) == 4  # each call gets its own operation id
    calls.signal(C, "add", 3)
    assert calls.call(C, "get") == 7  # the signal is applied before the later call
    calls.signal(EntityId("Journal", "j"), "append", "a")
    assert host.read(EntityId("Journal", "j")).state == ["a"]
    assert calls.finish().received == 0  # nothing of this run waits in the queue


def test_two_hosts_share_one_table_and_queue(host: LocalEntityHost, clients: dict[str, Any]) -> None:
    other = LocalEntityHost([counter], dynamodb_client=clients["dynamodb"], sqs_client=clients["sqs"])
    host.call(C, "add", 1)
    assert other.call(C, "add", 1) == 2
    assert other.queue_url == host.queue_url
