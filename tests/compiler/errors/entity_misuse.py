from durable_sfn import JsonValue, OrchestrationContext, orchestrator
from durable_sfn.entities import EntityContext, EntityId, entity


@entity(name="Counter", operations=("add", "get"))
def counter(ctx: EntityContext) -> None:
    ctx.set_result(0)


@orchestrator(name="EntityMisuse")
async def entity_misuse(ctx: OrchestrationContext) -> list[JsonValue]:
    name = ctx.get_input()
    op = "add"
    a = await ctx.call_entity(EntityId(name, "k"), "add", 1)
    b = await ctx.call_entity(EntityId("Counter", "k"), op, 1)
    eid = EntityId("Counter", "k")  # held in a variable: its name is known
    c = await ctx.call_entity(eid, "get")
    ctx.call_entity(EntityId("Counter", "k"), "add", 1)
    d = await ctx.signal_entity(EntityId("Counter", "k"), "add", 1)  # type: ignore[misc]
    ctx.signal_entity(EntityId("1bad", "k"), "add")
    ctx.signal_entity(EntityId("Counter", "k"), "reset")
    return [a, b, c, d]


# expect: DSF027 14:40 the entity name must be a string literal
# expect: DSF027 15:57 the entity operation must be a string literal
# expect: DSF005 18:5 must be awaited
# expect: DSF005 19:9 ctx.signal_entity cannot be awaited
# expect: DSF011 20:32 not a valid entity name
# expect: DSF027 21:49 entity 'Counter' has no operation 'reset'
