"""Labels for state names, taken from the source: a return's keys, a dotted name, the expression.

Kept apart from the lowering (which decides what code means) because naming is presentation:
`naming.clean_name` turns these labels into the final state names.
"""

from __future__ import annotations

import ast


def return_label(node: ast.expr) -> str:
    """`{"Success": False, ...}` reads best as its keys; anything else as its source."""
    if (
        isinstance(node, ast.Dict)
        and node.keys
        and all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys)
    ):
        return ", ".join(str(k.value) for k in node.keys if isinstance(k, ast.Constant))
    return source_label(node)


def dotted_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def source_label(node: ast.expr) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse handles every node the parser produces
        return type(node).__name__
