"""Python expressions compiled to JSONata: every supported form once, checked against Python."""

from durable_sfn import JsonValue, OrchestrationContext, orchestrator

FACTOR = 3


@orchestrator(name="ExpressionsDemo")
async def expressions_demo(ctx: OrchestrationContext) -> dict[str, JsonValue]:
    data = ctx.get_input()
    name = data["name"]
    numbers = data["numbers"]
    tags = data["tags"]
    n = len(numbers)
    total = sum(numbers)
    evens = [x for x in numbers if x % 2 == 0]
    doubled = [x * FACTOR for x in numbers]
    lookup = {t: len(t) for t in tags}
    has_admin = "admin" in tags
    greeting = f"Hello, {name.strip().upper()}! You have {n} numbers."
    profile = {"name": name.lower(), "tags": tags, **data["extra"]}
    profile["score"] = total * 2
    first = numbers[0] if numbers else None
    biggest = max(numbers) if numbers else 0
    ratio = round(total / n, 2) if n > 0 else 0.0
    return {
        "greeting": greeting,
        "n": n,
        "total": total,
        "evens": evens,
        "doubled": doubled,
        "lookup": lookup,
        "has_admin": has_admin,
        "not_admin": not has_admin,
        "profile": profile,
        "first": first,
        "biggest": biggest,
        "smallest": min(numbers) if numbers else 0,
        "ratio": ratio,
        "floor_div": total // 3,
        "modulo": total % 3,
        "power": 2**3,
        "chained": 0 < n <= 5,
        "any_big": any([x > 10 for x in numbers]),
        "all_positive": all([x > 0 for x in numbers]),
        "sorted_desc": sorted(numbers, reverse=True),
        "joined": ", ".join(tags),
        "parts": ["a", "b", "c"],
        "starts": name.startswith("A"),
        "ends": name.endswith("z"),
        "replaced": name.replace("a", "4"),
        "abs_total": abs(-total),
        "as_int": int("42") + int(3.7),
        "as_float": float("1.5"),
        "as_str": str(n) + "!",
        "or_default": data.get("missing") or "fallback",
        "and_value": n and total,
        "get_default": data.get("nickname", "none"),
        "is_none": data.get("missing") is None,
        "keys": sorted(data["extra"].keys()),
        "in_dict": "name" in data,
        "substring": "ell" in greeting,
        "list_concat": numbers + [100],  # noqa: RUF005
        "string_concat": name + "!",
        "nested": {"a": [1, {"b": n}]},
        "conditional": "many" if n > 3 else "few",
        "money": f"{total:.2f}",
    }
