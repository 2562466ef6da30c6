"""Python expressions -> JSONata: the translator that composes the rule sets.

One method per supported `ast` expression node; anything else is reported (fails closed). This
module holds the entry point, names, literals, displays, f-strings and subscripts; `operators`,
`comprehensions` and `calls` hold the rest, on the shared base in `core`.

Types are inferred where cheap (`ir.Ty`) because Python and JSONata disagree on `+` for strings and lists,
on `in` for strings and dicts, on truthiness of missing values, and on datetimes, which JSONata
handles as ISO strings and millisecond numbers. Where a type is unknown the translation inspects
the value at run time with `$type`, at the cost of a longer expression.

Conventions: a datetime is an ISO-8601 string (the form `$states.context.State.EnteredTime` uses);
a timedelta is a number of seconds.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from typing import Any

from durable_sfn.compiler.expressions.calls import BUILTINS, DATETIME_HINT, UUID_HINT, CallRules, is_datetime
from durable_sfn.compiler.expressions.comprehensions import ComprehensionRules
from durable_sfn.compiler.expressions.operators import OperatorRules
from durable_sfn.compiler.expressions.padding import padded, split_padding
from durable_sfn.compiler.expressions.runtime import (
    DATETIME_FIELDS,
    INT_LIMIT,
    datetime_field,
    kind_read,
    mapping,
    py_format,
    py_getitem,
    raise_,
)
from durable_sfn.compiler.expressions.sequences import py_slice
from durable_sfn.compiler.expressions.text import (
    append_chain,
    interleave,
    join,
    joined,
    paren,
    singleton_list,
)
from durable_sfn.compiler.ir import Expr, TimedeltaConstant, Ty, Var


class ExpressionTranslator(CallRules, ComprehensionRules, OperatorRules):
    """The expression rules composed, with the leaves, displays and subscripts: `translate`
    dispatches to one `visit_<Node>` method per supported node."""

    # -- entry points ---------------------------------------------------------------------------
    def translate(self, node: ast.expr) -> Expr:
        method: Callable[[Any], Expr] | None = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            return self.fail(
                node,
                "DSF002",
                f"{_describe(node)} is not supported in an orchestrator",
                "supported: literals, dict/list displays, x['key'], arithmetic, comparisons, "
                "and/or/not, in, f-strings, comprehensions, a if c else b and the builtins " + BUILTINS,
            )
        return method(node)

    # -- leaves -----------------------------------------------------------------------------------
    def visit_Constant(self, node: ast.Constant) -> Expr:
        value = node.value
        # Beyond what a double holds at all is the definition limits' concern (DSF032).
        if isinstance(value, int) and not isinstance(value, bool) and INT_LIMIT < abs(value) < 2**1024:
            return self.fail(
                node,
                "DSF050",
                f"integer literal {value} is beyond 2**53: a JSON number (a double) cannot hold it exactly",
                "write it as a string, or as a float literal if an approximation is meant",
            )
        if value is None or isinstance(value, bool | int | str):
            return Expr.literal(value)
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                return self.fail(node, "DSF002", "NaN and infinity are not JSON numbers")
            return Expr.literal(value)
        return self.fail(node, "DSF002", f"{type(value).__name__} literals are not supported (not JSON)")

    def visit_Name(self, node: ast.Name) -> Expr:
        name = node.id
        for scope in reversed(self.env.locals):
            if name in scope:
                local = scope[name]
                return local if isinstance(local, Expr) else Expr.raw(local)
        if name in self.env.bound:
            bound = self.env.bound[name]
            # A task_all function's local shadowing an outer name is bound to its own variable.
            if getattr(node, "maybe_unassigned", False):
                bound = self._assigned(node, bound)
            own = bound.parts[0] if len(bound.parts) == 1 and isinstance(bound.parts[0], Var) else None
            kind = self.env.kinds.get(own.name) if own is not None else None
            return bound if kind is None else kind_read(bound, kind, kind in self.env.signed_kinds)
        if name == self.env.input_param:
            return Expr.raw("$states.context.Execution.Input")
        if name in self.env.variables or name in self.env.exc_vars:
            var = Expr.var(
                name, self.env.variables.get(name, Ty.DICT if name in self.env.exc_vars else Ty.UNKNOWN)
            )
            if getattr(node, "maybe_unassigned", False) and name in self.env.variables:
                var = self._assigned(node, var)
            kind = self.env.kinds.get(name)
            return var if kind is None else kind_read(var, kind, kind in self.env.signed_kinds)
        if name in self.env.constants:
            value = self.env.constants[name]
            if isinstance(value, TimedeltaConstant):
                return Expr((json.dumps(value.seconds),), Ty.TIMEDELTA, const=value.seconds)
            return Expr.literal(value)
        if name == self.env.ctx_name:
            return self.fail(node, "DSF002", f"'{name}' can only be used to call ctx operations", "")
        return self.fail(
            node,
            "DSF002",
            f"name '{name}' is not a variable of this orchestrator",
            "orchestrators can read their own variables and module-level literal constants; "
            "anything else must come from the input or an activity",
        )

    def _assigned(self, node: ast.Name, var: Expr) -> Expr:
        """`var`, or Python's UnboundLocalError where it has no value: a path reaches this read
        without assigning the name (`frontend/unassigned_reads` marked it); an unassigned variable
        is undefined, while None is null."""
        shown = getattr(node, "source_name", node.id)  # unassigned_reads.SOURCE_NAME (a renamed helper local)
        unbound = raise_(
            "UnboundLocalError",
            f"cannot access local variable '{shown}' where it is not associated with a value",
        )
        if getattr(node, "free_read", False):  # unassigned_reads.FREE: read from a nested scope
            unbound = raise_(
                "NameError",
                f"cannot access free variable '{shown}' where it is not associated with a value in "
                "enclosing scope",
            )
        return join("($exists(", var, ") ? ", var, f" : {unbound})", ty=var.ty)

    # -- displays ---------------------------------------------------------------------------------
    def visit_List(self, node: ast.List) -> Expr:
        items = [self.translate(e) for e in node.elts if not isinstance(e, ast.Starred)]
        if any(isinstance(e, ast.Starred) for e in node.elts):
            return self.fail(node, "DSF002", "starred items in a list display are not supported")
        if all(i.is_const for i in items):
            return Expr.literal([i.const for i in items])
        if all(i.ty is not Ty.UNKNOWN and i.ty is not Ty.LIST for i in items):
            text = joined([*interleave([paren(i) for i in items], ", ")], "[", "]")
        else:
            text = join("$append([], [])") if not items else append_chain([singleton_list(i) for i in items])
        return Expr(
            text.parts,
            Ty.LIST,
            template=tuple(items),
            time_dependent=text.time_dependent,
            input_dependent=text.input_dependent,
        )

    visit_Tuple = visit_List

    def visit_Dict(self, node: ast.Dict) -> Expr:
        # One JSONata object when every key is a distinct literal; otherwise a $merge of the
        # entries and spreads in source order, since a JSONata object constructor fails when two
        # keys are equal (D1009) where Python lets the later one win, and a spread must overwrite
        # the keys before it and be overwritten by the keys after it, as in Python.
        entries: list[Expr] = []  # one per key or spread, in source order
        template: dict[str, Expr] | None = {}
        literal_keys: set[str] = set()
        merged = False
        for key, value in zip(node.keys, node.values, strict=True):
            v = self.translate(value)
            if key is None:
                entries.append(mapping(v))
                template = None
                merged = True
                continue
            k = self.translate(key)
            if k.is_const and isinstance(k.const, str):
                if template is not None:
                    template[k.const] = v
                merged |= k.const in literal_keys
                literal_keys.add(k.const)
                entries.append(join(json.dumps(k.const), ": ", paren(v)))
            elif k.ty is Ty.STR:
                template = None
                merged |= len(node.keys) > 1
                entries.append(join(paren(k), ": ", paren(v)))
            else:
                return self.fail(key, "DSF002", "dict keys must be strings (JSON objects have string keys)")
        if merged:
            parts = [
                e if key is None else joined([e], "{", "}") for key, e in zip(node.keys, entries, strict=True)
            ]
            obj = joined(list(interleave(parts, ", ")), "$merge([", "])")
            return Expr(
                obj.parts, Ty.DICT, time_dependent=obj.time_dependent, input_dependent=obj.input_dependent
            )
        obj = joined(list(interleave(entries, ", ")), "{", "}")
        if template is not None and all(v.is_const for v in template.values()):
            return Expr.literal({k: v.const for k, v in template.items()})
        return Expr(
            obj.parts,
            Ty.DICT,
            template=template,
            time_dependent=obj.time_dependent,
            input_dependent=obj.input_dependent,
        )

    def visit_JoinedStr(self, node: ast.JoinedStr) -> Expr:
        pieces: list[Expr] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                pieces.append(Expr.literal(value.value))
            elif isinstance(value, ast.FormattedValue):
                pieces.append(self._formatted(value))
            else:  # pragma: no cover - Python never produces anything else here
                return self.fail(value, "DSF002", "unsupported f-string part")
        if not pieces:
            return Expr.literal("")
        if len(pieces) == 1:
            return pieces[0] if pieces[0].ty is Ty.STR else join("$string(", pieces[0], ")", ty=Ty.STR)
        return join(*interleave([paren(p) for p in pieces], " & "), ty=Ty.STR)

    def _formatted(self, node: ast.FormattedValue) -> Expr:
        value = self.translate(node.value)
        if node.conversion not in (-1, ord("s")):
            return self.fail(node, "DSF002", "only !s conversions are supported in f-strings")
        if node.format_spec is None:
            return self.repr_refused(node) if value.ty in (Ty.LIST, Ty.DICT) else self.str_of(value)
        spec = node.format_spec
        parts = spec.values if isinstance(spec, ast.JoinedStr) else []
        if not (len(parts) == 1 and isinstance(parts[0], ast.Constant)):
            return self.fail(node, "DSF002", "f-string format specs must be literal")
        text = str(parts[0].value)
        if value.ty in (Ty.LIST, Ty.DICT):
            return self.repr_refused(node)
        padding = split_padding(text)
        if (
            padding is not None
            and node.conversion != ord("s")
            and value.ty not in (Ty.DATETIME, Ty.TIMEDELTA)
        ):
            padded_text = padded(value, padding, py_format, self.str_of)
            if padded_text is not None:
                return padded_text
        formatted = py_format(self.str_of(value) if node.conversion == ord("s") else value, text)
        if formatted is None or node.conversion == ord("s"):
            return self.fail(
                node,
                "DSF002",
                f"f-string format spec {text!r} is not supported",
                "supported: ',', 'd', ',d', '.2f', ',.2f', '.1%', '%' (0 to 15 decimals) on numbers, "
                "after a width with fill and alignment: '05d', '>8.2f', '<10', '*^20'",
            )
        return formatted

    # -- access -----------------------------------------------------------------------------------
    def visit_Subscript(self, node: ast.Subscript) -> Expr:
        value = self.translate(node.value)
        if isinstance(node.slice, ast.Slice):
            bounds = (node.slice.lower, node.slice.upper, node.slice.step)
            return py_slice(value, *(None if b is None else self.translate(b) for b in bounds))
        if value.ty in (Ty.DATETIME, Ty.TIMEDELTA) or value.ty.is_number or value.ty in (Ty.BOOL, Ty.NULL):
            return self.fail(
                node, "DSF002", f"a {value.ty.value} is not subscriptable (Python raises TypeError)"
            )
        return py_getitem(value, self.translate(node.slice))

    def visit_Attribute(self, node: ast.Attribute) -> Expr:
        base = node.value
        if isinstance(base, ast.Name):
            if base.id == self.env.ctx_name:
                return self.ctx_attribute(node)
            if base.id in self.env.exc_vars and node.attr in ("error", "cause"):
                return join(self.visit_Name(base), "." + node.attr.capitalize(), ty=Ty.STR)
            if base.id in ("random", "uuid", "secrets"):
                return self.fail(node, "DSF003", f"{base.id}.{node.attr} is not deterministic", UUID_HINT)
        if is_datetime(self, base):
            if node.attr in (*DATETIME_FIELDS, "microsecond"):
                return datetime_field(self.translate(base), node.attr)
            return self.fail(
                node, "DSF025", f"datetime attribute '.{node.attr}' is not compiled", DATETIME_HINT
            )
        return self.fail(
            node,
            "DSF025",
            f"attribute access '.{node.attr}' is not supported on values",
            f"dicts are read with subscripts: x[{node.attr!r}]",
        )

    def ctx_attribute(self, node: ast.Attribute) -> Expr:
        if node.attr == "current_utc_datetime":
            return Expr.raw("$states.context.State.EnteredTime", Ty.DATETIME, time=True)
        if node.attr == "instance_id":
            return Expr.raw("$states.context.Execution.Id", Ty.STR)
        if node.attr == "is_replaying":
            return Expr.literal(False)  # a definition runs once: it never replays
        return self.fail(
            node,
            "DSF002",
            f"ctx.{node.attr} cannot be read here",
            "ctx.current_utc_datetime, ctx.instance_id and ctx.is_replaying are values; "
            "other ctx members are calls",
        )

    def visit_Await(self, node: ast.Await) -> Expr:
        return self.fail(
            node,
            "DSF016",
            "await is only supported as a whole statement",
            "write `x = await ctx....` on its own line, then use x",
        )

    def visit_Lambda(self, node: ast.Lambda) -> Expr:
        return self.fail(
            node,
            "DSF008",
            "lambda is not supported in an orchestrator, except as the key= of sorted, min or max",
            "use a comprehension, or move the logic into an activity",
        )


def _describe(node: ast.AST) -> str:
    names = {
        "Set": "a set display",
        "SetComp": "a set comprehension",
        "GeneratorExp": "a generator expression outside sum/min/max/any/all/sorted/list/join",
        "NamedExpr": "the walrus operator",
        "Yield": "yield",
        "YieldFrom": "yield from",
        "Starred": "a starred expression",
        "Slice": "a slice",
    }
    return names.get(type(node).__name__, f"'{type(node).__name__}' expression")
