"""Module-level names an orchestrator reads, resolved from source: constants, retry options and
dispatch tables of activities, defined in the orchestrator's module or imported from another
module of the application.

The compiler never imports user code, so a name is resolved by reading the module that defines it
with `ast` and evaluating the few forms a configuration module is written in: literals, lists,
dicts, names of other constants, arithmetic and string concatenation on them, subscripts of them,
`timedelta(...)` and `RetryOptions(...)`. A name whose value cannot be told this way stays
unknown (reading it is refused where it is used), and so does a name the module changes after
defining it (`CONFIG["x"] = ...`, `LIMITS.append(...)`, `global LIMITS` in a function): the
value the orchestrator would see at run time is then not the one written.

A list or dict whose items are `@activity` functions is a dispatch table: it may only select the
activity of a call (`ctx.call_activity(COMPENSATIONS[step], ...)`, see `dispatch`).
"""

from __future__ import annotations

import ast
import json
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from durable_sfn.compiler.expressions.calls import TIMEDELTA_UNITS
from durable_sfn.compiler.ir import TimedeltaConstant

# The longest string or list a constant expression may build (`"-" * 80` is fine).
MAX_BUILT_LENGTH = 100_000
# How many modules deep imported names are followed (config importing config importing config).
MAX_IMPORT_DEPTH = 4


class _Unknown:
    """A value the source does not tell."""


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class DispatchTable:
    """A module-level list or dict of activities: the activity names, by index or key."""

    name: str  # the name it is read under in the orchestrator's module
    items: list[str] | dict[str, str]

    @property
    def activities(self) -> list[str]:
        values = self.items if isinstance(self.items, list) else list(self.items.values())
        return list(dict.fromkeys(values))


@dataclass
class ModuleNames:
    """What a module's top level binds, as far as its source tells."""

    constants: dict[str, Any] = field(default_factory=dict)
    retry_options: dict[str, ast.Call] = field(default_factory=dict)
    dispatch_tables: dict[str, DispatchTable] = field(default_factory=dict)
    # Names the module changes after binding them: (the module's package, the line of a change).
    changed: dict[str, tuple[str, int]] = field(default_factory=dict)

    def exported(self, prefix: str) -> ModuleNames:
        """The same names read as `prefix.NAME` (a module imported under `prefix`)."""
        return ModuleNames(
            {f"{prefix}.{k}": v for k, v in self.constants.items()},
            {f"{prefix}.{k}": v for k, v in self.retry_options.items()},
            {
                f"{prefix}.{k}": DispatchTable(f"{prefix}.{k}", v.items)
                for k, v in self.dispatch_tables.items()
            },
        )

    def update(self, other: ModuleNames) -> None:
        self.constants.update(other.constants)
        self.retry_options.update(other.retry_options)
        self.dispatch_tables.update(other.dispatch_tables)

    def forget(self, name: str) -> None:
        self.constants.pop(name, None)
        self.retry_options.pop(name, None)
        self.dispatch_tables.pop(name, None)


# Parses a module by dotted name (None when it is not the application's), and gives the
# activities a module defines or re-exports (python name -> activity name).
Parse = Callable[[str], ast.Module | None]
Activities = Callable[[str], dict[str, str]]


class NameResolver:
    """Resolves the top-level names of modules, each module once."""

    def __init__(self, parse: Parse, activities: Activities) -> None:
        self.parse = parse
        self.activities_of = activities
        self.cache: dict[str, ModuleNames] = {}
        self.active: set[str] = set()

    def module(self, dotted: str, depth: int = 0) -> ModuleNames:
        """The names module `dotted` binds at its top level (empty when it cannot be read)."""
        if dotted in self.cache:
            return self.cache[dotted]
        if dotted in self.active or depth > MAX_IMPORT_DEPTH:
            return ModuleNames()  # an import cycle, or too deep: nothing known
        tree = self.parse(dotted)
        if tree is None:
            return ModuleNames()
        self.active.add(dotted)
        try:
            package = dotted.rpartition(".")[0]
            found = self.names(tree, package, self.activities_of(dotted), depth)
        finally:
            self.active.discard(dotted)
        self.cache[dotted] = found
        return found

    def names(
        self, tree: ast.Module, package: str, activities: dict[str, str], depth: int = 0
    ) -> ModuleNames:
        """The top-level names of `tree` (a module of package `package`), in statement order."""
        out = ModuleNames()
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                base = _import_base(node, package)
                if base is None:
                    continue
                source = self.module(base, depth + 1)
                for alias in node.names:
                    local = alias.asname or alias.name
                    out.forget(local)
                    if alias.name == "*":
                        continue
                    _copy(source, alias.name, local, out)
                    if not _known(out, local):  # `from package import module`
                        out.update(
                            self.module(f"{base}.{alias.name}" if base else alias.name, depth + 1).exported(
                                local
                            )
                        )
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name
                    if alias.asname is None and "." in alias.name:
                        continue  # `import a.b` binds `a`: its names are read as a.b.X, not followed
                    out.update(self.module(alias.name, depth + 1).exported(local))
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        out.forget(target.id)
                if len(targets) == 1 and isinstance(targets[0], ast.Name) and node.value is not None:
                    _bind(targets[0].id, node.value, out, activities)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                out.forget(node.name)
        for name, line in _changed_later(tree).items():
            if _known(out, name):
                out.changed[name] = (package, line)
            out.forget(name)
        return out


def _import_base(node: ast.ImportFrom, package: str) -> str | None:
    if not node.level:
        return node.module or None
    parts = package.split(".") if package else []
    if node.level - 1 > len(parts):
        return None
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join([*parts, *([node.module] if node.module else [])]) or None


def _copy(source: ModuleNames, name: str, local: str, out: ModuleNames) -> None:
    if name in source.constants:
        out.constants[local] = source.constants[name]
    if name in source.retry_options:
        out.retry_options[local] = source.retry_options[name]
    if name in source.dispatch_tables:
        out.dispatch_tables[local] = DispatchTable(local, source.dispatch_tables[name].items)
    for key, value in source.constants.items():  # `from config import settings` re-exported modules
        if key.startswith(name + "."):
            out.constants[local + key[len(name) :]] = value


def _known(out: ModuleNames, local: str) -> bool:
    return local in out.constants or local in out.retry_options or local in out.dispatch_tables


def _bind(name: str, value: ast.expr, out: ModuleNames, activities: dict[str, str]) -> None:
    if isinstance(value, ast.Call) and _call_name(value) == "RetryOptions":
        out.retry_options[name] = resolved_call(value, out.constants)
        return
    table = _dispatch_table(name, value, out, activities)
    if table is not None:
        out.dispatch_tables[name] = table
        return
    evaluated = evaluate(value, out.constants)
    if evaluated is not UNKNOWN:
        out.constants[name] = evaluated


def _dispatch_table(
    name: str, value: ast.expr, out: ModuleNames, activities: dict[str, str]
) -> DispatchTable | None:
    """`[reserve, charge]` or `{"charge": refund, ...}` of @activity functions (or a copy of one)."""

    def activity(node: ast.expr) -> str | None:
        dotted = _dotted(node)
        return activities.get(dotted) if dotted else None

    if isinstance(value, ast.Name) and value.id in out.dispatch_tables:
        return DispatchTable(name, out.dispatch_tables[value.id].items)
    if isinstance(value, ast.List | ast.Tuple) and value.elts:
        names = [activity(e) for e in value.elts]
        if all(n is not None for n in names):
            return DispatchTable(name, [n for n in names if n is not None])
    if isinstance(value, ast.Dict) and value.keys:
        items: dict[str, str] = {}
        for key, item in zip(value.keys, value.values, strict=True):
            found = activity(item)
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)) or found is None:
                return None
            items[key.value] = found
        return DispatchTable(name, items)
    return None


def resolved_call(call: ast.Call, constants: dict[str, Any]) -> ast.Call:
    """`call` with each argument that names constants replaced by its value written out, so it
    reads the same in any module (a RetryOptions imported from a configuration module)."""

    def literal(node: ast.expr) -> ast.expr:
        if isinstance(node, ast.Tuple | ast.List | ast.Constant):
            return node  # `retry_on=(ErrorA, ErrorB)` names classes; literals need no help
        value = evaluate(node, constants)
        if value is UNKNOWN:
            return node
        replacement = written(value)
        for part in ast.walk(replacement):  # diagnostics point at the argument as written
            ast.copy_location(part, node)
        return replacement

    resolved = ast.Call(
        func=call.func,
        args=[literal(a) for a in call.args],
        keywords=[ast.keyword(arg=k.arg, value=literal(k.value)) for k in call.keywords],
    )
    return ast.copy_location(resolved, call)


def written(value: Any) -> ast.expr:
    """An expression that evaluates to `value` (a constant of this module's kinds)."""
    if isinstance(value, TimedeltaConstant):
        return ast.Call(
            func=ast.Name(id="timedelta", ctx=ast.Load()),
            args=[],
            keywords=[ast.keyword(arg="seconds", value=ast.Constant(value.seconds))],
        )
    return ast.parse(repr(value), mode="eval").body


_OPERATORS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}


def evaluate(node: ast.expr, names: dict[str, Any]) -> Any:
    """The JSON value (or TimedeltaConstant) `node` evaluates to, or UNKNOWN."""
    try:
        value = _evaluate(node, names)
    except (ArithmeticError, TypeError, ValueError, KeyError, IndexError, RecursionError, MemoryError):
        return UNKNOWN
    if value is UNKNOWN or isinstance(value, TimedeltaConstant):
        return value
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return UNKNOWN
    return value


def _evaluate(node: ast.expr, names: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        value = node.value
        ok = value is None or isinstance(value, bool | int | float | str)
        return value if ok else UNKNOWN
    dotted = _dotted(node)
    if dotted is not None:
        return names.get(dotted, UNKNOWN)
    if isinstance(node, ast.List | ast.Tuple):
        items = [_evaluate(e, names) for e in node.elts]
        return UNKNOWN if any(i is UNKNOWN or isinstance(i, TimedeltaConstant) for i in items) else items
    if isinstance(node, ast.Dict):
        out: dict[str, Any] = {}
        for key, item in zip(node.keys, node.values, strict=True):
            k = _evaluate(key, names) if key is not None else UNKNOWN
            v = _evaluate(item, names)
            if not isinstance(k, str) or v is UNKNOWN or isinstance(v, TimedeltaConstant):
                return UNKNOWN
            out[k] = v
        return out
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, names)
        if not _number(operand):
            return UNKNOWN
        if isinstance(node.op, ast.USub):
            return -operand
        return operand if isinstance(node.op, ast.UAdd) else UNKNOWN
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _evaluate(node.left, names), _evaluate(node.right, names)
        if isinstance(left, TimedeltaConstant) or isinstance(right, TimedeltaConstant):
            return _timedelta_arithmetic(node.op, left, right)
        if not _operands(node.op, left, right):
            return UNKNOWN
        result = _OPERATORS[type(node.op)](left, right)
        if isinstance(result, float) and not math.isfinite(result):
            return UNKNOWN
        return result
    if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice):
        container, key = _evaluate(node.value, names), _evaluate(node.slice, names)
        if isinstance(container, dict) and isinstance(key, str):
            return container[key]
        if isinstance(container, list) and isinstance(key, int) and not isinstance(key, bool):
            return container[key]
        return UNKNOWN
    if isinstance(node, ast.Call) and _call_name(node) == "timedelta":
        return _timedelta(node, names)
    return UNKNOWN


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _operands(op: ast.operator, left: Any, right: Any) -> bool:
    """Only operations on numbers, and + / * on strings and lists, of bounded size."""
    if _number(left) and _number(right):
        return True
    if isinstance(op, ast.Add):
        same = (isinstance(left, str) and isinstance(right, str)) or (
            isinstance(left, list) and isinstance(right, list)
        )
        return same and len(left) + len(right) <= MAX_BUILT_LENGTH
    if isinstance(op, ast.Mult):
        seq, count = (left, right) if isinstance(left, str | list) else (right, left)
        return (
            isinstance(seq, str | list)
            and isinstance(count, int)
            and not isinstance(count, bool)
            and len(seq) * max(count, 0) <= MAX_BUILT_LENGTH
        )
    return False


def _timedelta_arithmetic(op: ast.operator, left: Any, right: Any) -> Any:
    if isinstance(left, TimedeltaConstant) and isinstance(right, TimedeltaConstant):
        if isinstance(op, ast.Add):
            return _seconds(left.seconds + right.seconds)
        if isinstance(op, ast.Sub):
            return _seconds(left.seconds - right.seconds)
        return UNKNOWN
    if isinstance(op, ast.Mult):
        delta, factor = (left, right) if isinstance(left, TimedeltaConstant) else (right, left)
        if isinstance(delta, TimedeltaConstant) and isinstance(factor, int) and not isinstance(factor, bool):
            return _seconds(delta.seconds * factor)
    return UNKNOWN


def _seconds(total: float) -> TimedeltaConstant:
    return TimedeltaConstant(int(total) if float(total).is_integer() else total)


def _timedelta(call: ast.Call, names: dict[str, Any]) -> Any:
    positional = ["days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks"]
    if len(call.args) > len(positional):
        return UNKNOWN
    pairs = list(zip(positional, call.args, strict=False)) + [(k.arg or "", k.value) for k in call.keywords]
    total: float = 0
    for unit, arg in pairs:
        value = _evaluate(arg, names)
        if unit not in TIMEDELTA_UNITS or not _number(value):
            return UNKNOWN
        total += TIMEDELTA_UNITS[unit] * value
    return _seconds(total)


def _changed_later(tree: ast.Module) -> dict[str, int]:
    """Names the module may change after binding them: item or attribute assignment, a mutating
    method call or `del` anywhere in the module (an activity run in the same process could change
    a module-level dict the orchestrator reads), augmented assignment at the top, or `global` in
    a function. A local variable of the same name in some function makes the name unknown too:
    the check reads names, not scopes, and errs on the side of refusing."""
    mutators = {
        *("append", "extend", "insert", "pop", "remove", "clear"),
        *("update", "setdefault", "popitem", "sort", "reverse"),
    }
    changed: dict[str, int] = {}  # name -> the line of a change
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Global):
            changed.update(dict.fromkeys(node.names, line))
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node in tree.body:
            changed.setdefault(node.target.id, line)
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            for target in targets:
                base = target
                while isinstance(base, ast.Subscript | ast.Attribute):
                    base = base.value
                if base is not target and isinstance(base, ast.Name):
                    changed.setdefault(base.id, line)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in mutators
            and isinstance(node.func.value, ast.Name | ast.Subscript)
        ):
            base = node.func.value
            while isinstance(base, ast.Subscript):
                base = base.value
            if isinstance(base, ast.Name):
                changed.setdefault(base.id, line)
    return changed


def _call_name(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None
