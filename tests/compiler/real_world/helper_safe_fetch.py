"""Helpers as Durable users write them: an async helper with try/except fanned out by task_all,
a plain helper with a keyword default called in comprehensions."""

import logging
from typing import Any

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator

log = logging.getLogger(__name__)


class Flaky(Exception):
    pass


@activity(name="HbFetch")
def fetch(x: str) -> dict[str, Any]:
    if x.startswith("bad"):
        raise Flaky(f"cannot fetch {x}")
    return {"id": x, "size": len(x)}


def describe(item: dict[str, Any], unit: str = "B") -> str:
    size = item["size"]
    if size > 3:
        return f"{item['id']}: large ({size}{unit})"
    return f"{item['id']}: small ({size}{unit})"


async def safe_fetch(ctx: OrchestrationContext, key: str) -> dict[str, Any]:
    try:
        found: dict[str, Any] = await ctx.call_activity(fetch, key)
        return found
    except Flaky as e:
        log.warning("skipping %s: %s", key, e)
        return {"id": key, "size": 0, "error": str(e)}


@orchestrator(name="HbHelpers")
async def helpers(ctx: OrchestrationContext) -> JsonValue:
    keys = ctx.get_input()
    items = await ctx.task_all([safe_fetch(ctx, k) for k in keys])
    lines = [describe(i) for i in items if "error" not in i]
    lines += [describe(i, unit="kB") for i in items if i["size"] == 0]
    return {"lines": lines, "errors": sum(1 for i in items if "error" in i)}


ORCHESTRATOR = helpers
CONCURRENT = True
INPUTS = [["ab", "abcd", "bad1"], [], ["bad"]]
