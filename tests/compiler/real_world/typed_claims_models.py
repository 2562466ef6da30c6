"""Insurance claims: a TypedDict input, pydantic results with optional fields, isinstance."""

from typing import Any, TypedDict

from pydantic import BaseModel

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator


class Claim(TypedDict):
    claim_id: str
    amount: float
    photos: list[str]


class Assessment(BaseModel):
    claim_id: str
    approved: bool
    payout: float
    reviewer: str | None = None
    notes: list[str] = []


class FraudSuspected(Exception):
    pass


@activity(name="HbAssessClaim")
def assess_claim(claim: dict[str, Any]) -> Assessment:
    if claim["amount"] > 10000 and not claim["photos"]:
        raise FraudSuspected(f"claim {claim['claim_id']} needs photos")
    approved = claim["amount"] < 5000
    return Assessment(
        claim_id=claim["claim_id"],
        approved=approved,
        payout=claim["amount"] * 0.8 if approved else 0,
        reviewer=None if approved else "senior",
        notes=[] if approved else ["manual review"],
    )


@orchestrator(name="HbClaimsModels")
async def claims_models(context: OrchestrationContext, claim: Claim) -> JsonValue:
    try:
        result = await context.call_activity(assess_claim, claim)
    except FraudSuspected as e:
        context.set_custom_status("flagged")
        return {"claim": claim["claim_id"], "flagged": True, "why": f"{type(e).__name__}: {e}"}
    who = result.reviewer or "auto"
    summary = f"Claim {result.claim_id}: {'approved' if result.approved else 'referred'} by {who}, payout {result.payout:,.2f}"
    return {
        "summary": summary,
        "notes": result.notes,
        "photo_count": len(claim["photos"]),
        "amount_is_number": isinstance(claim["amount"], (int, float)),
        "first_photo": claim["photos"][0] if claim["photos"] else None,
    }


ORCHESTRATOR = claims_models
CONCURRENT = False
INPUTS = [
    {"claim_id": "c1", "amount": 1234.5, "photos": ["a.jpg"]},
    {"claim_id": "c2", "amount": 8000, "photos": []},
    {"claim_id": "c3", "amount": 20000, "photos": []},
]
