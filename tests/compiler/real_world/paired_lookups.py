"""Two lookups awaited together and unpacked; zip, enumerate and tuple targets."""

from typing import Any

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator


@activity(name="HbGetProfile")
def get_profile(user: str) -> dict[str, Any]:
    if user == "ghost":
        raise LookupError(f"no profile for {user}")
    return {"user": user, "langs": ["en", "fr"] if user.startswith("a") else ["de"]}


@activity(name="HbGetScores")
def get_scores(user: str) -> list[Any]:
    return [len(user) * k for k in (3, 1, 2)]


@orchestrator(name="HbPairsAndZip")
async def pairs_and_zip(context: OrchestrationContext) -> JsonValue:
    user = context.get_input()
    try:
        profile, scores = await context.task_all(
            [context.call_activity(get_profile, user), context.call_activity(get_scores, user)]
        )
    except LookupError as e:
        return {"error": str(e)}
    labels = ["speed", "accuracy", "style"]
    board = {}
    for i, label in enumerate(labels):
        board[label] = f"#{i + 1} {scores[i]}"
    best_score = max(scores)
    best_label = [label for label, s in zip(labels, scores, strict=False) if s == best_score][0]  # noqa: RUF015
    first = profile["langs"][0]
    rest = profile["langs"][1:]
    return {"board": board, "best": best_label, "best_score": best_score, "lang": first, "more": rest}


ORCHESTRATOR = pairs_and_zip
CONCURRENT = True
INPUTS = ["ann", "bob", "ghost"]
