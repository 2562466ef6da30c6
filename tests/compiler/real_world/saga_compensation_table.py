"""Saga: steps run in order; on failure the compensations dispatch table undoes them."""

import logging
from typing import Any

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator

logger = logging.getLogger("saga")


class StepFailed(Exception):
    pass


@activity(name="HbReserveStock")
def reserve_stock(order: dict[str, Any]) -> str:
    if order.get("fail") == "stock":
        raise StepFailed("out of stock")
    return f"stk-{order['id']}"


@activity(name="HbChargeCard")
def charge_card(order: dict[str, Any]) -> str:
    if order.get("fail") == "charge":
        raise StepFailed(f"card declined for {order['id']}")
    return f"chg-{order['id']}"


@activity(name="HbShip")
def ship(order: dict[str, Any]) -> str:
    if order.get("fail") == "ship":
        raise ValueError("no courier")
    return f"shp-{order['id']}"


@activity(name="HbReleaseStock")
def release_stock(ref: str) -> str:
    return f"released {ref}"


@activity(name="HbRefundCard")
def refund_card(ref: str) -> str:
    return f"refunded {ref}"


STEPS = {"stock": reserve_stock, "charge": charge_card, "ship": ship}
UNDO = {"stock": release_stock, "charge": refund_card}


@orchestrator(name="HbSagaDispatch")
async def saga_dispatch(context: OrchestrationContext) -> JsonValue:
    order = context.get_input()
    done = []
    try:
        for name, step in STEPS.items():
            ref = await context.call_activity(step, order)
            done.append({"step": name, "ref": ref})
            logger.info("step %s -> %s", name, ref)
    except Exception as e:
        logger.error("saga failed at step %d: %s", len(done) + 1, e)
        undone = []
        for d in reversed(done):
            if d["step"] in UNDO:
                undone.append(await context.call_activity(UNDO[d["step"]], d["ref"]))
        return {"ok": False, "error": type(e).__name__, "message": str(e), "undone": undone}
    return {"ok": True, "refs": [d["ref"] for d in done]}


ORCHESTRATOR = saga_dispatch
CONCURRENT = False
INPUTS = [
    {"id": "1"},
    {"id": "2", "fail": "charge"},
    {"id": "3", "fail": "ship"},
    {"id": "4", "fail": "stock"},
]
