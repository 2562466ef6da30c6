"""Comprehensions and iterables -> JSONata: `[e for x in xs if c]`, `{k: v for ...}`, `range()`.

Comprehensions bind JSONata function parameters (`ExprEnv.locals`), which is why they are a rule
set of their own; `ExpressionTranslator` composes it with the others.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence

from durable_sfn.compiler.expressions.core import TranslatorCore
from durable_sfn.compiler.expressions.iteration import tuple_source
from durable_sfn.compiler.expressions.runtime import LIMIT, block, fold, py_iter, py_range, raise_, wrap_item
from durable_sfn.compiler.expressions.text import JSONATA_FUNCTIONS, join, paren
from durable_sfn.compiler.ir import Expr, Ty


class ComprehensionRules(TranslatorCore):
    """`visit_*` methods for comprehensions, and the iterables that loops also use."""

    def visit_ListComp(self, node: ast.ListComp) -> Expr:
        return self._comprehension(node, node.generators, lambda: self.translate(node.elt), dict_value=None)

    def visit_DictComp(self, node: ast.DictComp) -> Expr:
        return self._comprehension(
            node,
            node.generators,
            lambda: self.translate(node.key),
            dict_value=lambda: self.translate(node.value),
        )

    def _comprehension(
        self,
        node: ast.expr,
        generators: Sequence[ast.comprehension],
        element: Callable[[], Expr],
        dict_value: Callable[[], Expr] | None,
    ) -> Expr:
        if any(gen.is_async for gen in generators):
            return self.fail(node, "DSF002", "async comprehensions are not supported", "use a for loop")
        # One fold per `for`, outermost first; an inner fold starts from (and returns) the outer
        # one's accumulator, so `[e for a in xs for b in ys if c]` appends in Python's order.
        loops: list[tuple[Expr, str, list[Expr]]] = []
        pushed = 0
        try:
            for gen in generators:
                if isinstance(gen.target, ast.Tuple | ast.List):
                    # `for k, v in d.items()`, `for i, x in enumerate(xs)`: one object per item.
                    found = tuple_source(self, self.iterable, gen.iter, gen.target)
                    if found is None:
                        return Expr.raw("null")
                    iterable, fields = found
                    param = "$__" + "_".join(name for name, _ in fields)
                    scope = {name: f"{param}.{key}" for name, key in fields}
                elif isinstance(gen.target, ast.Name):
                    iterable = self.iterable(gen.iter)
                    param = self.local_name(gen.target.id)
                    scope = {gen.target.id: param}
                else:
                    return self.fail(gen.target, "DSF022", "comprehension targets must be names")
                self.env.locals.append(scope)
                pushed += 1
                loops.append((iterable, param, [self.condition(c) for c in gen.ifs]))
            elt = element()
            value = dict_value() if dict_value else None
        finally:
            for _ in range(pushed):
                self.env.locals.pop()
        if value is not None:
            if elt.ty is Ty.STR:
                key = elt
            elif elt.ty is Ty.UNKNOWN:
                key = block(
                    [("$__key", elt)],
                    "$type($__key) = 'string' ? $__key : ",
                    raise_(LIMIT, "dict keys must be strings (JSON object keys)"),
                )
            else:
                return self.fail(node, "DSF002", "dict comprehension keys must be strings")
            step = join("$merge([$__acc, {", paren(key), ": ", paren(value), "}])")
            initial, ty = "{}", Ty.DICT
        else:
            step = join("$append($__acc, ", wrap_item(elt), ")")
            initial, ty = "[]", Ty.LIST
        for depth, (iterable, param, conditions) in reversed(list(enumerate(loops))):
            # Conditions in order, each only when the ones before it held (as Python evaluates them).
            for cond in reversed(conditions):
                step = join(cond, " ? (", step, ") : $__acc")
            step = fold(iterable, param, step, initial if depth == 0 else "$__acc")
        return Expr(step.parts, ty)

    def local_name(self, name: str) -> str:
        return "$" + (name + "_" if name in JSONATA_FUNCTIONS else name)

    def iterable(self, node: ast.expr) -> Expr:
        """The items a loop over `node` yields: a list's items, a string's characters, a dict's
        keys, or `range(...)`."""
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range":
            if node.keywords or not 1 <= len(node.args) <= 2:
                return self.fail(node, "DSF002", "range() with a step is not supported")
            args = [self.translate(a) for a in node.args]
            start, stop = (Expr.literal(0), args[0]) if len(args) == 1 else (args[0], args[1])
            return py_range(start, stop)
        value = self.translate(node)
        if value.ty.is_number or value.ty in (Ty.BOOL, Ty.NULL, Ty.DATETIME, Ty.TIMEDELTA):
            return self.fail(
                node, "DSF002", f"cannot loop over a {value.ty.value}", "loop over a list, a string or a dict"
            )
        return py_iter(value)
