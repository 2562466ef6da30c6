"""Invoice text: padded columns, number formatting, rounding ties, percentages, integer
division, big numbers."""

from durable_sfn import JsonValue, OrchestrationContext, orchestrator


@orchestrator(name="HbNumberFormats")
async def number_formats(context: OrchestrationContext) -> JsonValue:
    inv = context.get_input()
    subtotal = sum(line["price"] * line["qty"] for line in inv["lines"])
    tax = subtotal * inv["tax_rate"]
    lines = []
    for n, line in enumerate(inv["lines"], 1):
        lines.append(f"{n:02d}. {line['name']:<10}|{line['qty']:>4} x {line['price']:8.2f}")
    return {
        "number": f"INV-{inv['number']:06d}",
        "lines": lines,
        "subtotal": round(subtotal, 2),
        "tax": f"{tax:.2f}",
        "rate": f"{inv['tax_rate'] * 100:.1f}%",
        "total": f"{subtotal + tax:,.2f} {inv.get('currency', 'EUR')}",
        "boxes": inv["units"] // 12,
        "loose": inv["units"] % 12,
        "half": round(inv["units"] / 2),
        "big": f"{inv['number'] * 1000003:,}",
        "mean": round(subtotal / len(inv["lines"]), 2) if inv["lines"] else 0,
    }


ORCHESTRATOR = number_formats
CONCURRENT = False
INPUTS = [
    {
        "number": 42,
        "tax_rate": 0.2,
        "units": 25,
        "lines": [{"name": "pen", "price": 2.675, "qty": 3}, {"name": "notebook", "price": 0.125, "qty": 4}],
    },
    {"number": 123456, "tax_rate": 0.075, "units": 5, "lines": [], "currency": "USD"},
    {"number": 7, "tax_rate": 0.0, "units": 0, "lines": [{"name": "x" * 12, "price": 1e6, "qty": 1}]},
]
