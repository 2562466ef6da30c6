"""Durable entities on DynamoDB: named, keyed pieces of state that orchestrations call and signal.

    from durable_sfn.entities import EntityContext, EntityId, UnknownOperationError, entity

    @entity(name="Counter", operations=("add", "reset", "get"))
    def counter(ctx: EntityContext) -> None:
        value = ctx.get_state(lambda: 0)
        if ctx.operation_name == "add":
            value += ctx.get_input()
            ctx.set_state(value)
        elif ctx.operation_name == "reset":
            ctx.destruct_on_exit()
        ctx.set_result(value)

Guarantees: operations on one entity are serialised (optimistic concurrency on one DynamoDB item
per entity); each state-changing operation id is applied at most once, and a retry of an applied
operation returns the recorded result (the item keeps the last 100 such ids, `max_applied`;
a destructed entity keeps a state-less tombstone for a day so retries of the destructing call
are recognised too); operations that change nothing are not recorded, so their retry simply
reads again; one orchestration's calls and signals to one entity are applied in the order it
issued them, and a client's signals in send order (SQS FIFO, one message group per entity). Entity code may run more than once per operation (once per lost
concurrency round) and must only compute from state and input. A user exception in an
operation discards its state changes.

Integration contract
====================

This is what the compiler, the direct runner, the local runner, the client and the CDK construct
code against. Names in `${...}` are definition placeholders (substituted by CDK on AWS and by
`durable_sfn.asl.substitute_placeholders` locally). `durable_sfn.entities.contract` describes the
exact states below as typed values (`call_entity_task`, `signal_entity_task`, with the JSONata of
`operation_id`, `scope` and `message_group`); the compiler renders those with its own expressions
rather than re-spelling them, and the entity tests run their `to_asl()` on the local engine.

Orchestrator API (OrchestrationContext, durable_sfn/dsl.py)
-----------------------------------------------------------
    result = await ctx.call_entity(EntityId("Counter", key_expr), "add", input_expr)
    ctx.signal_entity(EntityId("Counter", key_expr), "add", input_expr)      # no await, no result

`EntityId(...)`'s name and the operation must be string literals (the name selects a function;
when the entity was declared with `operations=`, the compiler can reject an unknown literal
operation at compile time via `entity_definition(fn).operations`). The key and the input are
ordinary expressions.

Operation id (both forms)
-------------------------
Deterministic per call site and per iteration, identical across retries of the same call:

    OPID = $hash($states.context.Execution.Id & "|" & $states.context.State.Name & "|" & SCOPE, "SHA-256")

SCOPE is a string expression the compiler threads through iterations: "" outside any loop or
Map; inside a Map iteration, the enclosing SCOPE & "/" & the item index (the index is only in
the context object inside ItemSelector, so pass it in through ItemSelector and Assign it in the
iteration); inside a `while`/`for` loop compiled to a Choice back-edge, & "/" & the loop's
iteration counter. Never include `State.RetryCount`, `State.EnteredTime` or `$uuid()`: the id
must not change when Step Functions retries or redrives the Task. Ids are 1-128 printable ASCII
characters (they are also SQS deduplication ids); the SHA-256 hex above is 64.

call_entity lowers to
---------------------
    {"Type": "Task",
     "Resource": "arn:aws:states:::lambda:invoke",
     "Arguments": {"FunctionName": "${Counter}",
                   "Payload": {"kind": "call", "name": "Counter", "key": "{% <key> %}",
                               "operation": "add", "input": "{% <input> %}",
                               "operationId": "{% OPID %}"}},
     "Assign": {"<target>": "{% $states.result.Payload %}"},
     "Retry": [{"ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException",
                                "Lambda.SdkClientException", "Lambda.TooManyRequestsException",
                                "EntityBusyError"],
                "IntervalSeconds": 1, "MaxAttempts": 5, "BackoffRate": 2, "JitterStrategy": "FULL"}]}

The Retry is safe precisely because OPID does not change between attempts. Errors: the entity
function raises and Lambda reports Error = the exception's class name, Cause = Lambda's JSON
(`{"errorMessage", "errorType", "requestId", "stackTrace"}`), like activities. So
`except UnknownOperationError:` is a Catch on "UnknownOperationError", `except UnknownEntityError:`
on "UnknownEntityError", and an entity's own `raise InsufficientFunds(...)` on "InsufficientFunds".
A call to an entity not hosted by the function raises UnknownEntityError; an operation the entity
does not handle raises UnknownOperationError. User exceptions leave the state unchanged.

signal_entity lowers to
-----------------------
The Task of call_entity with "kind": "signal" in the payload and no Assign
(`call_entity_task(..., kind="signal")`): the entity function applies it at once and returns no
result; an error the entity raises is logged and dropped, as for a queued signal. Invoking the
signal in place is what keeps one orchestration's operations on an entity in the order it issued
them: a later call cannot overtake it.

Signals from outside an orchestration (clients, the management API; `signal_entity_task` for a
hand-written definition) go through the FIFO queue:

    {"Type": "Task",
     "Resource": "arn:aws:states:::sqs:sendMessage",
     "Arguments": {"QueueUrl": "${DurableEntitiesQueueUrl}",
                   "MessageBody": "{% $string({'kind': 'signal', 'name': 'Counter', 'key': <key>,
                                  'operation': 'add', 'input': <input>, 'operationId': OPID}) %}",
                   "MessageGroupId": "{% GROUP %}",
                   "MessageDeduplicationId": "{% OPID %}"}}

with no Assign of the result, and GROUP = "Counter@" & <key> when that is 1-128 printable ASCII,
else "h:" & $hash("Counter@" & <key>, "SHA-256") (see `message_group_id`); in JSONata:

    ($g := "Counter@" & <key>; $length($g) <= 128 and $contains($g, /^[!-~]+$/) ? $g : "h:" & $hash($g, "SHA-256"))

A queued signal and a later direct call may overtake each other; that is why orchestrations
invoke their signals in place.

Direct runner (durable_sfn.testing.run_direct)
----------------------------------------------
Accept `entities=[counter, ...]` (or a ready `LocalEntityHost`), build a `LocalEntityHost` on moto
(inside `mock_aws`), take `calls = host.session(run_id)`, and:
- `await ctx.call_entity(eid, op, x)` -> `calls.call(eid, op, x)`; exceptions propagate into the
  orchestrator unchanged, so `except UnknownOperationError` and user error classes behave as on AWS;
- `ctx.signal_entity(eid, op, x)` -> `calls.signal(eid, op, x)`, applied at once (in order);
- after the orchestrator returns, `calls.finish()` so signals queued by other senders are applied
  before results are inspected; expose the host (e.g. on the result) so tests can
  `host.read(eid)` entity state.

Local runner (run_local, `make run`)
------------------------------------
Build one `LocalEntityHost` on moto; `placeholders = host.register(engine)` registers every entity
function with `LocalStepFunctions.register_lambda` and returns `{EntityName: lambda ARN,
"DurableEntitiesQueueUrl": queue URL}` for `substitute_placeholders`. The engine's
`arn:aws:states:::sqs:sendMessage` integration must send through the moto SQS client (FIFO
attributes passed through). Call `host.drain()` after executions (or whenever signals should be
delivered); it runs the very code the Lambda SQS event source runs.

Client (OrchestrationClient)
----------------------------
`signal_entity(entity_id, operation, input=None)` -> `signals.signal_entity(sqs, queue_url, ...)`
and `read_entity_state(entity_id)` -> `store.read_entity_state(dynamodb, table, entity_id)`
(an `EntityState(entity_id, exists, state, version)`; committed state only, may lag queued
signals). Configuration: `DURABLE_SFN_ENTITIES_TABLE` and `DURABLE_SFN_ENTITIES_QUEUE_URL`.

CDK (durable_sfn.cdk.entities.EntityResources)
----------------------------------------------
`EntityResources(scope, id, entities=[counter, ...], code=..., layer=...)` creates the table, the
FIFO queue and its DLQ (SSE, SSL-only), one function per entity (the `${EntityName}` value) and
one dispatcher hosting all entities that drains the queue (an SQS queue hands each message to any
of its consumers, so one consumer must understand every message). `definition_substitutions()`
gives the `${...}` values. `grant_for_definition(machine, definition)` grants exactly what a
compiled definition uses (invoke on the entities it calls or signals, SendMessage if it sends to
the queue; found by
`contract.entity_usage`) and fails at construction when it calls an entity not hosted;
`grant_to(machine)` grants all. The Orchestration construct should accept an `EntityResources`,
merge its substitutions and call `grant_for_definition`.
"""

from durable_sfn.dsl import EntityId
from durable_sfn.entities.in_process import DirectEntityCalls, LocalEntityHost, create_signal_queue
from durable_sfn.entities.lambda_entry import EntityHandler, load_entities
from durable_sfn.entities.model import EntityContext, EntityDefinition, entity, entity_definition
from durable_sfn.entities.runtime import ConflictRetry, EntityRuntime, OperationOutcome
from durable_sfn.entities.signals import (
    QUEUE_URL_ENV,
    DrainReport,
    drain_signals,
    message_group_id,
    signal_entity,
)
from durable_sfn.entities.store import (
    TABLE_ENV,
    EntityState,
    EntityStore,
    create_entities_table,
    read_entity_state,
)
from durable_sfn.errors import (
    EntityBusyError,
    EntityError,
    EntityRequestError,
    EntityStateError,
    UnknownEntityError,
    UnknownOperationError,
)

__all__ = [
    "QUEUE_URL_ENV",
    "TABLE_ENV",
    "ConflictRetry",
    "DirectEntityCalls",
    "DrainReport",
    "EntityBusyError",
    "EntityContext",
    "EntityDefinition",
    "EntityError",
    "EntityHandler",
    "EntityId",
    "EntityRequestError",
    "EntityRuntime",
    "EntityState",
    "EntityStateError",
    "EntityStore",
    "LocalEntityHost",
    "OperationOutcome",
    "UnknownEntityError",
    "UnknownOperationError",
    "create_entities_table",
    "create_signal_queue",
    "drain_signals",
    "entity",
    "entity_definition",
    "load_entities",
    "message_group_id",
    "read_entity_state",
    "signal_entity",
]
