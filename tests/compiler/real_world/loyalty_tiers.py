"""Small pure helper functions at module level, called from expressions and comprehensions, with
early returns and a default argument taken from a module constant."""

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator

GOLD_POINTS = 1000


@activity(name="RwLoadPurchases")
def load_purchases(customer: str) -> list[JsonValue]:
    return [{"amount": 40 * (i + len(customer)), "returned": i == 2} for i in range(len(customer))]


@activity(name="RwSaveTier")
def save_tier(record: dict[str, JsonValue]) -> bool:
    return True


def points_for(purchase: JsonValue) -> JsonValue:
    if purchase["returned"]:
        return 0
    return purchase["amount"] // 10


def tier_for(points: int, gold: int = GOLD_POINTS) -> str:
    if points >= gold:
        return "gold"
    elif points >= gold // 2:
        return "silver"
    return "bronze"


def is_valid_customer(customer: str) -> bool:
    name = customer.strip()
    return len(name) > 1


@orchestrator(name="RwLoyaltyTiers")
async def loyalty_tiers(ctx: OrchestrationContext) -> JsonValue:
    customer = ctx.get_input()
    if not is_valid_customer(customer):
        return {"customer": customer, "tier": None}
    purchases = await ctx.call_activity(load_purchases, customer)
    points = sum(points_for(p) for p in purchases)
    tier = tier_for(points)
    await ctx.call_activity(save_tier, {"customer": customer, "tier": tier})
    return {
        "customer": customer,
        "points": points,
        "tier": tier,
        "perPurchase": [points_for(p) for p in purchases],
    }


ORCHESTRATOR = loyalty_tiers
CONCURRENT = False
INPUTS: list[JsonValue] = ["alexandria", "bo", "x", "christopher-robin"]
