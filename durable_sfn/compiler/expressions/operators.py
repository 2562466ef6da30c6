"""Python operators -> JSONata: arithmetic (with string, list and datetime cases), comparisons,
`in`, and/or/not with Python's semantics, and conditional expressions.

A rule set that `ExpressionTranslator` composes with the others.
"""

from __future__ import annotations

import ast

from durable_sfn.compiler.expressions.core import TranslatorCore
from durable_sfn.compiler.expressions.runtime import (
    datetime_shift,
    py_binop,
    py_compare,
    py_contains,
    py_eq,
    py_negative,
)
from durable_sfn.compiler.expressions.text import interleave, join, negate, paren, to_millis, truthy
from durable_sfn.compiler.ir import Expr, Ty

_SYMBOLS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
}
_COMPARISONS: dict[type[ast.cmpop], str] = {
    ast.Eq: " = ",
    ast.NotEq: " != ",
    ast.Lt: " < ",
    ast.LtE: " <= ",
    ast.Gt: " > ",
    ast.GtE: " >= ",
}


class OperatorRules(TranslatorCore):
    """`visit_*` methods for operator nodes."""

    def visit_BinOp(self, node: ast.BinOp) -> Expr:
        left, right = self.translate(node.left), self.translate(node.right)
        op = type(node.op)
        lt, rt = left.ty, right.ty
        if Ty.DATETIME in (lt, rt):
            return self._datetime_arithmetic(node, left, right)
        if Ty.TIMEDELTA in (lt, rt):
            return self._timedelta_arithmetic(node, left, right)
        if op is ast.Mod and lt is Ty.STR:
            return self.fail(node, "DSF002", "%-formatting is not supported", "use an f-string")
        symbol = _SYMBOLS.get(op)
        if symbol is None:
            hint = "bitwise operators and @ are not compiled: compute them in an activity"
            if op is ast.BitOr:
                hint = "merge dicts with {**a, **b}; for booleans write `a or b`"
            elif op is ast.BitAnd:
                hint = "for booleans write `a and b`; bitwise operators are not compiled"
            return self.fail(node, "DSF002", f"operator {type(node.op).__name__} is not supported", hint)
        # `xs += ys` extends the list with any iterable (`xs + "ab"` is a TypeError).
        in_place = getattr(node, "in_place", False)
        return py_binop(symbol, left, right, in_place=bool(in_place), shared_list=in_place == "shared")

    def _datetime_arithmetic(self, node: ast.BinOp, left: Expr, right: Expr) -> Expr:
        op, lt, rt = type(node.op), left.ty, right.ty
        if op is ast.Add and {lt, rt} == {Ty.DATETIME, Ty.TIMEDELTA}:
            dt, td = (left, right) if lt is Ty.DATETIME else (right, left)
            return datetime_shift(dt, paren(td), "+")
        if op is ast.Sub and lt is Ty.DATETIME and rt is Ty.TIMEDELTA:
            return datetime_shift(left, paren(right), "-")
        if op is ast.Sub and lt is Ty.DATETIME and rt is Ty.DATETIME:
            return join("((", to_millis(left), " - ", to_millis(right), ") / 1000)", ty=Ty.TIMEDELTA)
        return self.fail(
            node,
            "DSF002",
            "unsupported datetime arithmetic",
            "add or subtract a timedelta, or subtract two datetimes",
        )

    def _timedelta_arithmetic(self, node: ast.BinOp, left: Expr, right: Expr) -> Expr:
        """A timedelta is a number of seconds: td +/- td, td * n, td / n, td / td, td // td, td % td."""
        op, lt, rt = type(node.op), left.ty, right.ty
        both = lt is rt is Ty.TIMEDELTA
        number = (lt if rt is Ty.TIMEDELTA else rt).is_number or Ty.BOOL in (lt, rt)
        if both and op in (ast.Add, ast.Sub, ast.Mod):
            return Expr(py_binop(_SYMBOLS[op], left, right).parts, Ty.TIMEDELTA)
        if both and op in (ast.Div, ast.FloorDiv):
            return py_binop(_SYMBOLS[op], left, right)
        if number and (op is ast.Mult or (op is ast.Div and lt is Ty.TIMEDELTA)):
            return Expr(py_binop(_SYMBOLS[op], left, right).parts, Ty.TIMEDELTA)
        return self.fail(
            node,
            "DSF002",
            "unsupported timedelta arithmetic (Python raises TypeError)",
            "add or subtract timedeltas, multiply or divide one by a number, or divide two",
        )

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Expr:
        operand = self.translate(node.operand)
        if isinstance(node.op, ast.Not):
            condition = truthy(operand)
            if condition.is_const and isinstance(condition.const, bool):
                return Expr.literal(not condition.const)  # e.g. `not ctx.is_replaying`
            return join("$not(", condition, ")", ty=Ty.BOOL)
        if isinstance(node.op, ast.USub | ast.UAdd):
            sign = "-" if isinstance(node.op, ast.USub) else "+"
            if operand.ty is Ty.TIMEDELTA:
                return join(sign if sign == "-" else "", paren(operand), ty=Ty.TIMEDELTA)
            return py_negative(operand, sign)
        return self.fail(node, "DSF002", "bitwise operators are not supported")

    def visit_BoolOp(self, node: ast.BoolOp) -> Expr:
        values = [self.translate(v) for v in node.values]
        is_and = isinstance(node.op, ast.And)
        if all(v.ty is Ty.BOOL for v in values):
            return join(*interleave([paren(v) for v in values], " and " if is_and else " or "), ty=Ty.BOOL)
        # Python returns the deciding operand, not a boolean: fold right to left.
        result = values[-1]
        for v in reversed(values[:-1]):
            if is_and:
                result = join(
                    "($__o := ", v, "; ", truthy(Expr.raw("$__o", v.ty)), " ? ", paren(result), " : $__o)"
                )
            else:
                result = join(
                    "($__o := ", v, "; ", truthy(Expr.raw("$__o", v.ty)), " ? $__o : ", paren(result), ")"
                )
        return result

    def visit_Compare(self, node: ast.Compare) -> Expr:
        operands = [self.translate(node.left)] + [self.translate(c) for c in node.comparators]
        pieces: list[Expr] = []
        for i, op in enumerate(node.ops):
            pieces.append(self._compare(node, op, operands[i], operands[i + 1]))
        if len(pieces) == 1:
            return pieces[0]
        return join(*interleave([paren(p) for p in pieces], " and "), ty=Ty.BOOL)

    def _compare(self, node: ast.AST, op: ast.cmpop, a: Expr, b: Expr) -> Expr:
        if isinstance(op, ast.Is | ast.IsNot):
            if not (b.is_const and b.const is None):
                return self.fail(
                    node,
                    "DSF002",
                    "'is' is only supported as 'is None' / 'is not None'",
                    "use == to compare values",
                )
            test = join("($__n := ", a, "; $not($exists($__n)) or $__n = null)", ty=Ty.BOOL)
            return test if isinstance(op, ast.Is) else join("$not(", test, ")", ty=Ty.BOOL)
        if isinstance(op, ast.In | ast.NotIn):
            test = py_contains(b, a)
            return test if isinstance(op, ast.In) else join("$not(", test, ")", ty=Ty.BOOL)
        equality = isinstance(op, ast.Eq | ast.NotEq)
        timed = {a.ty, b.ty} & {Ty.DATETIME, Ty.TIMEDELTA}
        if timed:
            if a.ty is b.ty:
                if a.ty is Ty.DATETIME:
                    a, b = to_millis(a), to_millis(b)
                return join(paren(a), _COMPARISONS[type(op)], paren(b), ty=Ty.BOOL)
            if not equality:
                return self.fail(
                    node,
                    "DSF002",
                    "a datetime or timedelta compares only with its own kind (Python raises TypeError)",
                )
            return Expr.literal(isinstance(op, ast.NotEq))  # never equal to another kind
        if equality:
            test = py_eq(a, b)
            return test if isinstance(op, ast.Eq) else negate(test)
        return py_compare(_COMPARISONS[type(op)].strip(), a, b)

    def visit_IfExp(self, node: ast.IfExp) -> Expr:
        cond, a, b = self.condition(node.test), self.translate(node.body), self.translate(node.orelse)
        return join("(", cond, " ? ", paren(a), " : ", paren(b), ")", ty=a.ty if a.ty == b.ty else Ty.UNKNOWN)
