"""Python operators -> JSONata: arithmetic (with string, list and datetime cases), comparisons,
`in`, and/or/not with Python's semantics, and conditional expressions.

A rule set that `ExpressionTranslator` composes with the others.
"""

from __future__ import annotations

import ast

from durable_sfn.compiler.expressions.core import TranslatorCore
from durable_sfn.compiler.expressions.text import interleave, join, numeric_type, paren, to_millis, truthy
from durable_sfn.compiler.ir import Expr, Ty


class OperatorRules(TranslatorCore):
    """`visit_*` methods for operator nodes."""

    def visit_BinOp(self, node: ast.BinOp) -> Expr:
        left, right = self.translate(node.left), self.translate(node.right)
        op = type(node.op)
        lt, rt = left.ty, right.ty
        # datetime / timedelta arithmetic
        if Ty.DATETIME in (lt, rt):
            if op is ast.Add and {lt, rt} == {Ty.DATETIME, Ty.TIMEDELTA}:
                dt, td = (left, right) if lt is Ty.DATETIME else (right, left)
                return join("$fromMillis(", to_millis(dt), " + ", paren(td), " * 1000)", ty=Ty.DATETIME)
            if op is ast.Sub and lt is Ty.DATETIME and rt is Ty.TIMEDELTA:
                return join("$fromMillis(", to_millis(left), " - ", paren(right), " * 1000)", ty=Ty.DATETIME)
            if op is ast.Sub and lt is Ty.DATETIME and rt is Ty.DATETIME:
                return join("((", to_millis(left), " - ", to_millis(right), ") / 1000)", ty=Ty.TIMEDELTA)
            return self.fail(
                node,
                "DSF002",
                "unsupported datetime arithmetic",
                "add or subtract a timedelta, or subtract two datetimes",
            )
        if op is ast.Add:
            if Ty.STR in (lt, rt):
                return join(paren(left), " & ", paren(right), ty=Ty.STR)
            if Ty.LIST in (lt, rt):
                return join("$append(", left, ", ", right, ")", ty=Ty.LIST)
            if lt in (Ty.NUM, Ty.TIMEDELTA, Ty.BOOL) or rt in (Ty.NUM, Ty.TIMEDELTA, Ty.BOOL):
                return join(paren(left), " + ", paren(right), ty=numeric_type(lt, rt))
            return join(
                "($__l := ",
                left,
                "; $__r := ",
                right,
                "; $type($__l) = 'string' ? $__l & $__r : "
                "$type($__l) = 'array' ? $append($__l, $__r) : $__l + $__r)",
            )
        if op is ast.Mult and Ty.LIST in (lt, rt):
            return self.fail(node, "DSF002", "repeating lists with * is not supported")
        if op is ast.Mult and Ty.STR in (lt, rt):
            # Repetition needs the static type: an untyped `x * n` stays numeric (the common case),
            # so `name * 2` on an input field is written `str(name) * 2`.
            text, count = (left, right) if lt is Ty.STR else (right, left)
            return join(
                "($__s := ",
                text,
                "; $__n := ",
                count,
                "; ",
                "$__n > 0 ? $join($map([1..$__n], function() { $__s })) : '')",
                ty=Ty.STR,
            )
        simple = {ast.Sub: " - ", ast.Mult: " * ", ast.Div: " / "}
        if op in simple:
            ty = Ty.TIMEDELTA if Ty.TIMEDELTA in (lt, rt) and not (op is ast.Div and lt == rt) else Ty.NUM
            return join(paren(left), simple[op], paren(right), ty=ty)
        if op is ast.FloorDiv:
            return join("$floor(", paren(left), " / ", paren(right), ")", ty=Ty.NUM)
        if op is ast.Mod:
            if lt is Ty.STR:
                return self.fail(node, "DSF002", "%-formatting is not supported", "use an f-string")
            # Python's % takes the sign of the divisor; JSONata's % that of the dividend.
            return join(
                "($__a := ", left, "; $__b := ", right, "; $__a - $__b * $floor($__a / $__b))", ty=Ty.NUM
            )
        if op is ast.Pow:
            return join("$power(", left, ", ", right, ")", ty=Ty.NUM)
        return self.fail(node, "DSF002", f"operator {type(node.op).__name__} is not supported")

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Expr:
        operand = self.translate(node.operand)
        if isinstance(node.op, ast.Not):
            condition = truthy(operand)
            if condition.is_const and isinstance(condition.const, bool):
                return Expr.literal(not condition.const)  # e.g. `not ctx.is_replaying`
            return join("$not(", condition, ")", ty=Ty.BOOL)
        if isinstance(node.op, ast.USub):
            if (
                operand.is_const
                and isinstance(operand.const, int | float)
                and not isinstance(operand.const, bool)
            ):
                return Expr.literal(-operand.const)
            return join("-", paren(operand), ty=operand.ty if operand.ty is Ty.TIMEDELTA else Ty.NUM)
        if isinstance(node.op, ast.UAdd):
            return operand
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
            test = self._contains(b, a)
            return test if isinstance(op, ast.In) else join("$not(", test, ")", ty=Ty.BOOL)
        if a.ty is Ty.DATETIME and b.ty is Ty.DATETIME:
            a, b = to_millis(a), to_millis(b)
        symbol = {
            ast.Eq: " = ",
            ast.NotEq: " != ",
            ast.Lt: " < ",
            ast.LtE: " <= ",
            ast.Gt: " > ",
            ast.GtE: " >= ",
        }
        return join(paren(a), symbol[type(op)], paren(b), ty=Ty.BOOL)

    def _contains(self, container: Expr, item: Expr) -> Expr:
        if container.ty is Ty.STR:
            return join("$contains(", container, ", ", item, ")", ty=Ty.BOOL)
        if container.ty is Ty.DICT:
            return join(paren(item), " in $keys(", container, ")", ty=Ty.BOOL)
        if container.ty is Ty.LIST:
            return join(paren(item), " in ", paren(container), ty=Ty.BOOL)
        return join(
            "($__c := ",
            container,
            "; $__i := ",
            item,
            "; $type($__c) = 'string' ? $contains($__c, $__i) : "
            "$type($__c) = 'object' ? $__i in $keys($__c) : $__i in $__c)",
            ty=Ty.BOOL,
        )

    def visit_IfExp(self, node: ast.IfExp) -> Expr:
        cond, a, b = self.condition(node.test), self.translate(node.body), self.translate(node.orelse)
        return join("(", cond, " ? ", paren(a), " : ", paren(b), ")", ty=a.ty if a.ty == b.ty else Ty.UNKNOWN)
