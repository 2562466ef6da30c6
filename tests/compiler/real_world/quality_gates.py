"""Quality gates over check results: generator expressions, any/all, sorted with key, counting."""

from typing import Any

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator


@activity(name="HbRunCheck")
def run_check(check: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": check["name"],
        "score": check["score"],
        "ok": check["score"] >= check.get("min", 50),
        "warnings": check.get("warnings", []),
    }


@orchestrator(name="HbQualityGates")
async def quality_gates(context: OrchestrationContext) -> JsonValue:
    checks = context.get_input()["checks"]
    tasks = []
    for check in checks:
        if check.get("skip"):
            continue
        tasks.append(context.call_activity(run_check, check))
    results = await context.task_all(tasks)
    passed = sum(1 for r in results if r["ok"])
    lowest = sorted(r["score"] for r in results)[:2]
    worst = [r for r in results if r["score"] in lowest]
    return {
        "all_ok": all(r["ok"] for r in results),
        "any_ok": any(r["ok"] for r in results),
        "passed": f"{passed}/{len(results)}",
        "worst": [w["name"] for w in worst],
        "warnings": sum(len(r["warnings"]) for r in results),
        "mean": round(sum(r["score"] for r in results) / len(results), 1) if results else None,
        "best": max(r["score"] for r in results) if results else None,
    }


ORCHESTRATOR = quality_gates
CONCURRENT = True
INPUTS = [
    {
        "checks": [
            {"name": "lint", "score": 90},
            {"name": "tests", "score": 45, "warnings": ["flaky"]},
            {"name": "docs", "score": 70, "skip": True},
        ]
    },
    {"checks": []},
]
