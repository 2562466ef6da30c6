from durable_sfn import OrchestrationContext, orchestrator
from durable_sfn.entities import EntityId


@orchestrator(name="EntityMisuse")
async def entity_misuse(ctx: OrchestrationContext) -> list:
    name = ctx.get_input()
    op = "add"
    a = await ctx.call_entity(EntityId(name, "k"), "add", 1)
    b = await ctx.call_entity(EntityId("Counter", "k"), op, 1)
    eid = EntityId("Counter", "k")
    c = await ctx.call_entity(eid, "get")
    ctx.call_entity(EntityId("Counter", "k"), "add", 1)
    d = await ctx.signal_entity(EntityId("Counter", "k"), "add", 1)
    ctx.signal_entity(EntityId("1bad", "k"), "add")
    return [a, b, c, d]


# expect: DSF027 9:40 the entity name must be a string literal
# expect: DSF027 10:57 the entity operation must be a string literal
# expect: DSF004 11:11 call to 'EntityId' cannot be compiled
# expect: DSF027 12:31 cannot tell which entity this is
# expect: DSF005 13:5 must be awaited
# expect: DSF005 14:9 ctx.signal_entity cannot be awaited
# expect: DSF011 15:32 not a valid entity name
