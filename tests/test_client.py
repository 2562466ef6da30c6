"""OrchestrationClient against the local engine and, for the AWS code path, moto's Step Functions."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from durable_sfn.client import (
    InstanceNotFoundError,
    InstanceNotRedrivableError,
    InstanceNotRunningError,
    OrchestrationClient,
    OrchestrationClientError,
)
from durable_sfn.client.events import (
    WAITER_NAME,
    EventStore,
    SerializedClient,
    create_events_table,
    make_event_waiter,
)
from durable_sfn.dsl import orchestrator
from durable_sfn.engine.api.client import LocalStepFunctions
from durable_sfn.entities import EntityContext, EntityId, LocalEntityHost, entity

ROLE = "arn:aws:iam::123456789012:role/test"
WAITER_ARN = f"arn:aws:lambda:us-east-1:123456789012:function:{WAITER_NAME}"


def approval_machine() -> str:
    """Set a custom status, wait for "Approval" (one hour at most), then report the decision."""
    return json.dumps(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "Ask",
            "States": {
                "Ask": {"Type": "Pass", "Assign": {"customStatus": {"stage": "waiting"}}, "Next": "Wait"},
                "Wait": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Arguments": {
                        "FunctionName": WAITER_ARN,
                        "Payload": {
                            "executionArn": "{% $states.context.Execution.Id %}",
                            "eventName": "Approval",
                            "taskToken": "{% $states.context.Task.Token %}",
                        },
                    },
                    "TimeoutSeconds": 3600,
                    "Assign": {"customStatus": "approved", "decision": "{% $states.result %}"},
                    "Next": "Done",
                },
                "Done": {
                    "Type": "Pass",
                    "Output": "{% {'order': $states.context.Execution.Input, 'decision': $decision} %}",
                    "End": True,
                },
            },
        }
    )


def counting_machine(iterations: int, set_status_first: bool) -> str:
    """A loop of `iterations` Pass rounds (about 4 history events each) around one custom status."""
    states: dict[str, Any] = {
        "Init": {
            "Type": "Pass",
            "Assign": {"i": 0, **({"customStatus": "counting"} if set_status_first else {})},
            "Next": "Loop",
        },
        "Loop": {
            "Type": "Choice",
            "Choices": [{"Condition": f"{{% $i < {iterations} %}}", "Next": "Step"}],
            "Default": "Done",
        },
        "Step": {"Type": "Pass", "Assign": {"i": "{% $i + 1 %}"}, "Next": "Loop"},
        "Done": {"Type": "Succeed"},
    }
    return json.dumps({"QueryLanguage": "JSONata", "StartAt": "Init", "States": states})


@orchestrator(name="Approval")
async def approval(ctx: Any) -> None:
    """Only its name matters here: start_new accepts the decorated function."""


class Counting:
    """Delegates to a Step Functions client and counts the API calls made through it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if not callable(attribute) or name in ("register_lambda",):
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return attribute(*args, **kwargs)

        return counted


class Local:
    def __init__(self, dynamodb: Any) -> None:
        self.sfn = LocalStepFunctions()
        self.dynamodb = dynamodb
        table = create_events_table(dynamodb, f"events-{uuid.uuid4().hex}")
        self.sfn.register_lambda(WAITER_NAME, make_event_waiter(EventStore(self.sfn, dynamodb, table)))
        self.machine = self.sfn.create_state_machine(
            name="Approval", definition=approval_machine(), roleArn=ROLE
        )["stateMachineArn"]
        self.counting = Counting(self.sfn)
        self.client = OrchestrationClient(self.counting, dynamodb=dynamodb, events_table=table)


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        # moto's conditional writes are not atomic across threads; DynamoDB's are.
        yield SerializedClient(boto3.client("dynamodb", region_name="us-east-1"))


@pytest.fixture
def local(dynamodb: Any) -> Local:
    return Local(dynamodb)


def test_an_instance_runs_from_start_to_completion_with_custom_status_and_events(local: Local) -> None:
    client = local.client
    seen: dict[str, Any] = {}

    def ten_minutes_in() -> None:  # runs on the virtual clock while the instance waits
        try:
            seen["status"] = client.get_status(instance)
            seen["delivery"] = client.raise_event(instance, "Approval", {"by": "ada"})
        except Exception as exc:  # reported by the assertion below, not lost on the clock's thread
            seen["error"] = exc

    with local.sfn.clock.participating():  # virtual time stands still while we set up
        instance = client.start_new(approval, "order-7", instance_id="order-7")
        local.sfn.clock.call_at(local.sfn.clock.now() + timedelta(minutes=10), ten_minutes_in)
    assert instance == "arn:aws:states:us-east-1:123456789012:execution:Approval:order-7"

    final = client.wait_for_completion(instance, timeout=30)

    assert "error" not in seen, seen
    waiting = seen["status"]
    assert waiting.runtime_status == "Running"
    assert waiting.custom_status == {"stage": "waiting"}
    assert waiting.to_json()["customStatus"] == {"stage": "waiting"}
    assert seen["delivery"] == "delivered"
    assert final.runtime_status == "Completed"
    assert final.status == "SUCCEEDED"
    assert final.input == "order-7"
    assert final.output == {"order": "order-7", "decision": {"by": "ada"}}
    assert final.custom_status == "approved"
    assert final.error is None
    assert final.created_time < final.last_updated_time


def test_a_wait_nobody_answers_times_out_as_a_failed_instance(local: Local) -> None:
    instance = local.client.start_new("Approval", "order-9")
    final = local.client.wait_for_completion(instance, timeout=30)
    assert final.runtime_status == "Failed"
    assert final.error == "States.Timeout"
    assert final.custom_status == {"stage": "waiting"}


def test_get_status_costs_one_describe_and_one_history_page_when_the_status_is_recent(local: Local) -> None:
    arn = local.sfn.create_state_machine(name="Count", definition=counting_machine(400, True), roleArn=ROLE)[
        "stateMachineArn"
    ]
    run = local.sfn.start_execution(stateMachineArn=arn, input="{}")
    local.sfn.wait_for_execution(run["executionArn"])
    # The status was set at the very start, ~1600 events back: 1 page of 100, then pages of 1000.
    local.counting.calls.clear()
    assert local.client.get_status(run["executionArn"]).custom_status == "counting"
    assert local.counting.calls.count("describe_execution") == 1
    events = len(local.client.get_history(run["executionArn"]))
    assert events > 1600
    assert local.counting.calls.count("get_execution_history") == 1 + -(-(events - 100) // 1000) + -(
        -events // 1000
    )

    short = local.sfn.create_state_machine(name="Short", definition=counting_machine(3, True), roleArn=ROLE)
    instance = local.client.start_new(short["stateMachineArn"], {})
    local.sfn.wait_for_execution(instance)
    local.counting.calls.clear()
    assert local.client.get_status(instance).custom_status == "counting"
    assert local.counting.calls == ["describe_execution", "get_execution_history"]
    local.counting.calls.clear()
    assert local.client.get_status(instance, show_custom_status=False).custom_status is None
    assert local.counting.calls == ["describe_execution"]


def test_an_instance_that_never_set_a_custom_status_reports_none(local: Local) -> None:
    arn = local.sfn.create_state_machine(name="Quiet", definition=counting_machine(3, False), roleArn=ROLE)[
        "stateMachineArn"
    ]
    instance = local.client.start_new(arn, {})
    status = local.client.wait_for_completion(instance, timeout=30)
    assert status.runtime_status == "Completed"
    assert status.custom_status is None


def test_instances_are_found_by_bare_execution_name_too(local: Local) -> None:
    local.client.start_new("Approval", "o", instance_id="named-1")
    fresh = OrchestrationClient(local.sfn)  # nothing cached
    assert fresh.get_status("named-1").instance_id.endswith(":execution:Approval:named-1")
    with pytest.raises(InstanceNotFoundError, match="no instance named 'missing'"):
        fresh.get_status("missing")


def test_terminate_stops_the_instance_and_events_to_it_are_refused(local: Local) -> None:
    client = local.client
    with local.sfn.clock.participating():  # keep the one-hour wait from timing out first
        instance = client.start_new("Approval", "o")
        client.terminate(instance, "customer cancelled")

    status = client.get_status(instance)
    assert status.runtime_status == "Terminated"
    assert status.status == "ABORTED"
    with pytest.raises(InstanceNotRunningError, match="ABORTED"):
        client.raise_event(instance, "Approval", "too late")


def test_starting_the_same_instance_id_twice_is_refused_with_advice(local: Local) -> None:
    local.client.start_new("Approval", "first", instance_id="dup")
    with pytest.raises(OrchestrationClientError, match=r"'dup' already exists.*choose another"):
        local.client.start_new("Approval", "second", instance_id="dup")


def test_unknown_orchestrators_and_instances_are_clear_errors(local: Local) -> None:
    with pytest.raises(OrchestrationClientError, match="no state machine named 'Nope'"):
        local.client.start_new("Nope", None)
    with pytest.raises(InstanceNotFoundError):
        local.client.get_status("arn:aws:states:us-east-1:123456789012:execution:Approval:ghost")
    with pytest.raises(OrchestrationClientError, match="not an execution ARN"):
        local.client.get_status("arn:aws:states:us-east-1:123456789012:stateMachine:Approval")


def test_list_instances_filters_by_status_orchestrator_and_creation_time(local: Local) -> None:
    client = local.client
    with local.sfn.clock.participating():
        running = client.start_new("Approval", 1, instance_id="running")
        stopped = client.start_new("Approval", 2, instance_id="stopped")
        client.terminate(stopped)

        assert {s.instance_id for s in client.list_instances()} == {running, stopped}
        assert [s.instance_id for s in client.list_instances(status="Running")] == [running]
        assert [s.instance_id for s in client.list_instances(status="ABORTED")] == [stopped]
        assert [s.name for s in client.list_instances(status="Terminated", orchestrator=approval)] == [
            "stopped"
        ]
        future = datetime.now(UTC) + timedelta(days=3650)
        assert client.list_instances(created_from=future) == []
        with pytest.raises(OrchestrationClientError, match="unknown status 'Sleeping'"):
            client.list_instances(status="Sleeping")
        client.terminate(running)


def test_get_history_returns_every_event_oldest_first(local: Local) -> None:
    with local.sfn.clock.participating():
        instance = local.client.start_new("Approval", "o")
        local.client.raise_event(instance, "Approval", True)
    assert local.client.wait_for_completion(instance, timeout=30).output["decision"] is True
    events = local.client.get_history(instance)
    assert events[0]["type"] == "ExecutionStarted"
    assert events[-1]["type"] == "ExecutionSucceeded"
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)


# -- the AWS code path: boto3's client against moto ------------------------------------------


@pytest.fixture
def aws(dynamodb: Any) -> Any:
    """boto3's Step Functions client on the module's moto (the events table is the default name)."""
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    create_events_table(dynamodb)
    definition = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    if not any(m["name"] == "Approval" for m in sfn.list_state_machines()["stateMachines"]):
        sfn.create_state_machine(name="Approval", definition=definition, roleArn=ROLE)
    return sfn


def test_boto3_client_start_status_terminate_and_list(aws: Any) -> None:
    client = OrchestrationClient(aws)  # DynamoDB client derived from the Step Functions client's region
    instance = client.start_new(approval, {"order": 1}, instance_id="aws-1")
    assert instance == "arn:aws:states:us-east-1:123456789012:execution:Approval:aws-1"

    status = client.get_status("aws-1")
    assert status.runtime_status == "Running"  # moto does not run executions
    assert status.input == {"order": 1}
    assert status.orchestrator == "Approval"

    assert client.raise_event(instance, "Approval", {"ok": True}) == "buffered"
    assert EventStore(aws, boto3.client("dynamodb", region_name="us-east-1")).pending(
        instance, "Approval"
    ) == (
        False,
        1,
    )

    client.terminate(instance, "stop")
    assert client.get_status(instance).runtime_status == "Terminated"
    assert [s.name for s in client.list_instances(status="Terminated")] == ["aws-1"]
    assert client.wait_for_completion(instance, timeout=1).done


def test_boto3_client_errors_are_translated(aws: Any) -> None:
    client = OrchestrationClient(aws)
    with pytest.raises(InstanceNotFoundError):
        client.get_status("arn:aws:states:us-east-1:123456789012:execution:Approval:none")
    with pytest.raises(OrchestrationClientError, match="no state machine named"):
        client.start_new("Missing", None)


def test_local_engine_without_dynamodb_asks_for_one() -> None:
    sfn = LocalStepFunctions()
    sleep = {"StartAt": "Sleep", "States": {"Sleep": {"Type": "Wait", "Seconds": 3600, "End": True}}}
    sfn.create_state_machine(name="Approval", definition=json.dumps(sleep), roleArn=ROLE)
    client = OrchestrationClient(sfn)
    with sfn.clock.participating():  # the instance must still be running when the event is raised
        instance = client.start_new("Approval", None)
        with pytest.raises(OrchestrationClientError, match=r"dynamodb=boto3.client\('dynamodb'\)"):
            client.raise_event(instance, "Approval", 1)
        client.terminate(instance)


# -- entities: signal through the client, drain as the queue's consumer would, read back -----


@entity(name="Tally", operations=("add", "note", "clear"))
def tally(ctx: EntityContext) -> None:
    """A total plus the order in which notes arrived, so signal order is observable."""
    state = ctx.get_state(lambda: {"total": 0, "notes": []})
    if ctx.operation_name == "add":
        state["total"] += ctx.get_input()
    elif ctx.operation_name == "note":
        state["notes"].append(ctx.get_input())
    elif ctx.operation_name == "clear":
        ctx.destruct_on_exit()
    ctx.set_state(state)
    ctx.set_result(state["total"])


class Entities:
    def __init__(self, dynamodb: Any) -> None:
        self.sqs = boto3.client("sqs", region_name="us-east-1")
        suffix = uuid.uuid4().hex[:12]
        self.host = LocalEntityHost(
            [tally],
            dynamodb_client=dynamodb,
            sqs_client=self.sqs,
            table_name=f"entities-{suffix}",
            queue_name=f"signals-{suffix}.fifo",
        )
        self.client = OrchestrationClient(
            LocalStepFunctions(),
            dynamodb=dynamodb,
            sqs=self.sqs,
            entities_table=self.host.table_name,
            entities_queue_url=self.host.queue_url,
        )


@pytest.fixture
def entities(dynamodb: Any) -> Entities:
    return Entities(dynamodb)


def test_signals_sent_by_the_client_are_applied_in_order_when_the_queue_is_drained(
    entities: Entities,
) -> None:
    client, host = entities.client, entities.host
    cart = EntityId("Tally", "cart-7")
    for note in ["first", "second", "third"]:
        client.signal_entity(cart, "note", note)
    client.signal_entity("Tally@cart-7", "add", 5)  # the text form of an entity id works too

    before = client.read_entity_state(cart)
    assert (before.exists, before.state) == (False, None)  # committed state lags queued signals

    report = host.drain()
    assert (report.received, report.failed) == (4, [])
    after = client.read_entity_state(cart)
    assert after.exists
    assert after.state == {"total": 5, "notes": ["first", "second", "third"]}
    assert after.version == 4
    assert client.read_entity_state(EntityId("Tally", "other")).exists is False  # keys are separate


def test_resending_a_signal_with_the_same_operation_id_applies_it_once(entities: Entities) -> None:
    client = entities.client
    counter = EntityId("Tally", "dedup")
    first = client.signal_entity(counter, "add", 2, operation_id="credit-2024-001")
    again = client.signal_entity(counter, "add", 2, operation_id="credit-2024-001")
    assert first == again == "credit-2024-001"
    entities.host.drain()
    assert client.read_entity_state(counter).state == {"total": 2, "notes": []}


def test_reading_a_missing_or_destructed_entity_reports_it_does_not_exist(entities: Entities) -> None:
    client = entities.client
    missing = client.read_entity_state(EntityId("Tally", "never-written"))
    assert (missing.exists, missing.state, missing.version) == (False, None, 0)

    entities.host.call(EntityId("Tally", "gone"), "add", 1)
    client.signal_entity(EntityId("Tally", "gone"), "clear")
    entities.host.drain()
    gone = client.read_entity_state(EntityId("Tally", "gone"))
    assert (gone.exists, gone.state) == (False, None)


def test_entity_configuration_comes_from_the_environment_and_its_absence_is_explained(
    entities: Entities, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DURABLE_SFN_ENTITIES_TABLE", raising=False)
    monkeypatch.delenv("DURABLE_SFN_ENTITIES_QUEUE_URL", raising=False)
    bare = OrchestrationClient(LocalStepFunctions(), dynamodb=dynamodb, sqs=entities.sqs)
    with pytest.raises(OrchestrationClientError, match="DURABLE_SFN_ENTITIES_TABLE"):
        bare.read_entity_state(EntityId("Tally", "a"))
    with pytest.raises(OrchestrationClientError, match="DURABLE_SFN_ENTITIES_QUEUE_URL"):
        bare.signal_entity(EntityId("Tally", "a"), "add", 1)
    with pytest.raises(OrchestrationClientError, match="not of the form 'Name@key'"):
        bare.read_entity_state("Tally")

    monkeypatch.setenv("DURABLE_SFN_ENTITIES_TABLE", entities.host.table_name)
    monkeypatch.setenv("DURABLE_SFN_ENTITIES_QUEUE_URL", entities.host.queue_url)
    configured = OrchestrationClient(LocalStepFunctions(), dynamodb=dynamodb, sqs=entities.sqs)
    configured.signal_entity(EntityId("Tally", "env"), "add", 3)
    entities.host.drain()
    assert configured.read_entity_state(EntityId("Tally", "env")).state["total"] == 3

    monkeypatch.setenv("DURABLE_SFN_ENTITIES_TABLE", "no-such-table")
    with pytest.raises(OrchestrationClientError, match="'no-such-table' does not exist"):
        OrchestrationClient(LocalStepFunctions(), dynamodb=dynamodb).read_entity_state("Tally@a")


def test_boto3_client_derives_its_sqs_and_dynamodb_clients_for_entities(aws: Any, entities: Entities) -> None:
    client = OrchestrationClient(
        aws, entities_table=entities.host.table_name, entities_queue_url=entities.host.queue_url
    )
    client.signal_entity(EntityId("Tally", "aws"), "add", 4)
    entities.host.drain()
    assert client.read_entity_state(EntityId("Tally", "aws")).state == {"total": 4, "notes": []}


# -- operating: redrive, pages, purge, aliases --------------------------------------------------


def test_a_failed_instance_is_redriven_and_waits_again_for_its_event(local: Local) -> None:
    client = local.client
    instance = client.start_new("Approval", "o-9", instance_id="timed-out")
    failed = client.wait_for_completion(instance, timeout=30)  # nobody answers: the wait times out
    assert (failed.runtime_status, failed.error) == ("Failed", "States.Timeout")
    with local.sfn.clock.participating():
        redriven_at = client.redrive("timed-out")
        assert client.get_status(instance).runtime_status == "Running"
        assert client.raise_event(instance, "Approval", {"ok": True}) in ("delivered", "buffered")
    done = client.wait_for_completion(instance, timeout=30)
    assert done.output == {"order": "o-9", "decision": {"ok": True}}
    assert local.sfn.describe_execution(executionArn=instance)["redriveDate"] == redriven_at
    with pytest.raises(InstanceNotRedrivableError, match="Execution is SUCCEEDED and cannot be redriven"):
        client.rewind(instance, "again")
    with pytest.raises(InstanceNotFoundError):
        client.redrive(instance + "-missing")


def test_list_instances_pages_newest_first_across_state_machines(local: Local) -> None:
    sfn, client = local.sfn, local.client
    other = sfn.create_state_machine(name="Other", definition=counting_machine(1, False), roleArn=ROLE)
    machines = [local.machine, other["stateMachineArn"]]
    names = []
    with sfn.clock.participating():
        for n in range(7):  # alternate between the two machines, one minute apart
            client.start_new(machines[n % 2], n, instance_id=f"i{n}")
            names.append(f"i{n}")
            sfn.clock.sleep_until(sfn.clock.now() + timedelta(minutes=1))
        newest_first = names[::-1]
        local.counting.calls.clear()
        first = client.list_instances(page_size=3)
        assert [s.name for s in first] == newest_first[:3] and first.continuation_token
        assert local.counting.calls.count("list_executions") == 2  # one page per state machine
        second = client.list_instances(page_size=3, continuation_token=first.continuation_token)
        third = client.list_instances(page_size=3, continuation_token=second.continuation_token)
        assert [s.name for s in second] + [s.name for s in third] == newest_first[3:]
        assert third.continuation_token is None
        assert [s.name for s in client.iter_instances()] == newest_first
        window = client.list_instances(
            created_from=first[2].created_time, created_to=first[1].created_time, page_size=10
        )
        assert [s.name for s in window] == newest_first[1:3]
        with pytest.raises(OrchestrationClientError, match="continuation token"):
            client.list_instances(page_size=3, continuation_token="not-a-token")
        for instance in client.list_instances(status="Running"):
            client.terminate(instance.instance_id)


def test_listing_recent_instances_reads_only_the_recent_pages(local: Local) -> None:
    sfn, client = local.sfn, local.client
    with sfn.clock.participating():
        for n in range(250):
            sfn.start_execution(stateMachineArn=local.machine, name=f"old-{n}")
        sfn.clock.sleep_until(sfn.clock.now() + timedelta(days=1))
        recent = client.start_new("Approval", "new", instance_id="new")
        local.counting.calls.clear()
        found = client.list_instances(created_from=sfn.clock.now() - timedelta(hours=1))
        assert [s.instance_id for s in found] == [recent]
        assert local.counting.calls.count("list_executions") == 1  # 100 executions read, not 251
        for instance in client.iter_instances(status="Running"):
            client.terminate(instance.instance_id)


def test_purge_removes_the_events_of_an_ended_instance_and_refuses_a_running_one(local: Local) -> None:
    client = local.client
    with local.sfn.clock.participating():
        instance = client.start_new("Approval", "p", instance_id="purged")
        client.raise_event(instance, "Unrelated", 1)
        assert client.event_store().pending(instance, "Unrelated") == (False, 1)
        with pytest.raises(OrchestrationClientError, match="RUNNING: terminate it before purging"):
            client.purge_instance_history(instance)
        client.terminate(instance)
    assert client.purge_instance_history("purged").instances_deleted == 1
    assert client.event_store().pending(instance, "Unrelated") == (False, 0)
    assert client.purge_instance_history_by(runtime_status=["Terminated"]).instances_deleted == 1


def test_purging_an_entity_deletes_its_state(entities: Entities) -> None:
    client = entities.client
    client.signal_entity("Tally@gone", "add", 3)
    entities.host.drain()
    assert client.read_entity_state("Tally@gone").exists
    assert client.purge_instance_history("@Tally@gone").instances_deleted == 1  # Durable's entity id
    assert client.read_entity_state("Tally@gone").exists is False
    assert client.purge_instance_history(EntityId("Tally", "gone")).instances_deleted == 0


def test_an_alias_in_name_to_arn_starts_through_the_alias(local: Local) -> None:
    sfn = local.sfn
    version = sfn.publish_state_machine_version(stateMachineArn=local.machine)["stateMachineVersionArn"]
    alias = sfn.create_state_machine_alias(
        name="live", routingConfiguration=[{"stateMachineVersionArn": version, "weight": 100}]
    )["stateMachineAliasArn"]
    client = OrchestrationClient(sfn, dynamodb=local.dynamodb, name_to_arn={"Approval": alias})
    with sfn.clock.participating():
        instance = client.start_new("Approval", "a", instance_id="via-alias")
        assert instance == f"{local.machine.replace(':stateMachine:', ':execution:')}:via-alias"
        described = sfn.describe_execution(executionArn=instance)
        assert (described["stateMachineAliasArn"], described["stateMachineVersionArn"]) == (alias, version)
        assert [s.instance_id for s in client.list_instances()] == [instance]
        assert client.resolve("via-alias") == instance
        client.terminate("via-alias")
