"""Comprehensions and iterables -> JSONata: `[e for x in xs if c]`, `{k: v for ...}`, `range()`.

Comprehensions bind JSONata function parameters (`ExprEnv.locals`), which is why they are a rule
set of their own; `ExpressionTranslator` composes it with the others.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence

from durable_sfn.compiler.expressions.core import TranslatorCore
from durable_sfn.compiler.expressions.iteration import tuple_source
from durable_sfn.compiler.expressions.text import JSONATA_FUNCTIONS, join, paren, singleton_list
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
        if len(generators) != 1 or generators[0].is_async:
            return self.fail(
                node, "DSF002", "comprehensions with more than one 'for' are not supported", "use a for loop"
            )
        gen = generators[0]
        if isinstance(gen.target, ast.Tuple | ast.List):
            # `for k, v in d.items()`, `for i, x in enumerate(xs)`: one object per item.
            found = tuple_source(self, self.iterable, gen.iter, gen.target)
            if found is None:
                return Expr.raw("null")
            iterable, fields = found
            param = "$__" + "_".join(name for name, _ in fields)
            self.env.locals.append({name: f"{param}.{key}" for name, key in fields})
        elif isinstance(gen.target, ast.Name):
            iterable = self.iterable(gen.iter)
            param = self.local_name(gen.target.id)
            self.env.locals.append({gen.target.id: param})
        else:
            return self.fail(gen.target, "DSF022", "comprehension targets must be names")
        try:
            conditions = [self.condition(c) for c in gen.ifs]
            elt = element()
            value = dict_value() if dict_value else None
        finally:
            self.env.locals.pop()
        source = iterable
        for cond in conditions:
            # `[...]`: a filter keeping one item returns the bare item, keeping none returns nothing.
            source = join("[$filter(", source, f", function({param}) {{ ", cond, " })]", ty=Ty.LIST)
        if value is not None:
            if elt.ty not in (Ty.STR, Ty.UNKNOWN):
                return self.fail(node, "DSF002", "dict comprehension keys must be strings")
            body = join("{", paren(elt), ": ", paren(value), "}")
            return join("$merge([$map(", source, f", function({param}) {{ ", body, " })])", ty=Ty.DICT)
        if elt.ty is not Ty.UNKNOWN and elt.ty is not Ty.LIST:
            return join("[$map(", source, f", function({param}) {{ ", elt, " })]", ty=Ty.LIST)
        return join(
            "$reduce(",
            source,
            f", function($__acc, {param}) {{ $append($__acc, ",
            singleton_list(elt),
            ") }, [])",
            ty=Ty.LIST,
        )

    def local_name(self, name: str) -> str:
        return "$" + (name + "_" if name in JSONATA_FUNCTIONS else name)

    def iterable(self, node: ast.expr) -> Expr:
        """A sequence to loop over: a list expression, `range(...)`, or a dict's keys."""
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range":
            args = [self.translate(a) for a in node.args]
            if len(args) == 1:
                start, stop = Expr.literal(0), args[0]
            elif len(args) == 2:
                start, stop = args
            else:
                return self.fail(node, "DSF002", "range() with a step is not supported")
            return join("[", paren(start), "..(", stop, " - 1)]", ty=Ty.LIST)
        value = self.translate(node)
        if value.ty in (Ty.NUM, Ty.BOOL, Ty.NULL, Ty.STR, Ty.DATETIME, Ty.TIMEDELTA):
            return self.fail(
                node, "DSF002", f"cannot loop over a {value.ty.value}", "loop over a list or a dict"
            )
        if value.ty is Ty.DICT:
            return join("[$keys(", value, ")]", ty=Ty.LIST)
        # JSONata treats a single value as a one-element sequence; keep Python's list semantics.
        return value
