"""Route loosely typed events with isinstance, as Durable users do with event payloads of
several shapes; a TypedDict input read by key."""

from typing import TypedDict

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator


class Envelope(TypedDict):
    source: str
    payloads: list[JsonValue]


@activity(name="TypedStoreText")
def store_text(text: str) -> str:
    return f"text:{text.upper()}"


@activity(name="TypedStoreRecord")
def store_record(record: dict[str, JsonValue]) -> str:
    return f"record:{','.join(sorted(record))}"


@orchestrator(name="TypedEventRouter")
async def typed_event_router(ctx: OrchestrationContext, envelope: Envelope) -> JsonValue:
    kinds = []
    for payload in envelope["payloads"]:
        if isinstance(payload, str):
            stored = await ctx.call_activity(store_text, payload)
            kinds.append(stored)
        elif isinstance(payload, dict):
            stored = await ctx.call_activity(store_record, payload)
            kinds.append(stored)
        elif isinstance(payload, (int, float)):
            kinds.append("number")
        elif isinstance(payload, list):
            kinds.append(f"list of {len(payload)}")
        elif payload is None or isinstance(payload, type(None)):
            kinds.append("nothing")
    return {"source": envelope["source"], "kinds": kinds}


ORCHESTRATOR = typed_event_router
CONCURRENT = False
INPUTS: list[JsonValue] = [
    {"source": "hub", "payloads": ["hi", {"b": 1, "a": 2}, 3, 2.5, [1, 2], None, True]},
    {"source": "none", "payloads": []},
]
