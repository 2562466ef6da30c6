"""Typed data: attribute access on values whose class the orchestrator declares, `isinstance` on
JSON types, and `type(e).__name__` on caught errors.

A compiled orchestrator holds JSON, so `order.customer` is the key access `order["customer"]`.
The compiler knows a value's class from the orchestrator's input parameter annotation
(`async def f(ctx, order: Order)`) and from the return annotation of an activity defined in the
same module (`quote = await ctx.call_activity(get_quote, x)` with `def get_quote(...) -> Quote`);
a field's annotation types what it holds (`order.customer.name`, `for line in order.lines:
line.sku`). The classes are read from the module's source: dataclasses and pydantic models whose
body declares fields only (no methods, no validators, no `__post_init__`: logic the compiled
definition could not run), with literal defaults at most. The direct run hands the orchestrator
the same typed values (`durable_sfn.testing.typed_values`): the JSON object itself, its declared
fields readable as attributes.

Statements are rewritten before they are lowered (`rewrite`): `x.f` becomes `x["f"]` (a field with
a default `d`: `x["f"] if "f" in x else d`), `type(e).__name__` becomes the caught error's name.
"""

from __future__ import annotations

import ast
import copy
import functools
import json
import weakref
from dataclasses import dataclass, field
from typing import Any

from durable_sfn.compiler.expressions.runtime import LIMIT, raise_
from durable_sfn.compiler.expressions.text import join
from durable_sfn.compiler.frontend.core import LowererCore
from durable_sfn.compiler.ir import Expr, Ty

# `isinstance(x, T)`: the JSONata `$type` of each JSON type. bool is an int in Python, so a test
# for numbers must also accept booleans; int and float alone cannot be told apart in JSON.
JSON_TYPES = {
    "str": ("string",),
    "bool": ("boolean",),
    "list": ("array",),
    "dict": ("object",),
    "None": ("null",),
}
NUMBER_TYPES = ("number", "boolean")
_FIELDS_HINT = "a typed value is read through the fields its class declares: order.customer, order.lines"


@dataclass(frozen=True)
class Shape:
    """A class whose fields the compiler can see."""

    name: str
    fields: dict[str, ast.expr]  # field -> annotation
    defaults: dict[str, Any] = field(default_factory=dict)  # literal defaults
    problem: str | None = None  # why it cannot stand for JSON


@dataclass(frozen=True)
class TypeRef:
    shape: Shape
    many: bool = False  # a list of them


@dataclass(frozen=True)
class ModuleTypes:
    shapes: dict[str, Shape]
    activity_returns: dict[str, ast.expr]  # activity function name -> return annotation


# What `await ctx.call_http(...)` returns (Durable's DurableHttpResponse, held as JSON): its
# attributes are the keys the compiled response has (`backend/http_calls`).
HTTP_RESPONSE = Shape(
    "DurableHttpResponse",
    {
        name: ast.Name(kind)
        for name, kind in (("status_code", "int"), ("headers", "dict"), ("content", "str"))
    },
)

_TYPES: weakref.WeakKeyDictionary[LowererCore, dict[str, TypeRef]] = weakref.WeakKeyDictionary()
# Per lowerer: names annotated with a class (`q: Quote = ...`) whose value the compiler cannot
# type: an annotation changes nothing at run time, so the direct run holds the plain JSON there.
_DECLARED: weakref.WeakKeyDictionary[LowererCore, dict[str, str]] = weakref.WeakKeyDictionary()


@functools.lru_cache(maxsize=64)
def module_types(source: str) -> ModuleTypes:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ModuleTypes({}, {})
    shapes: dict[str, Shape] = {}
    returns: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            shape = _shape(node)
            if shape is not None:
                shapes[node.name] = shape
        elif (
            isinstance(node, ast.FunctionDef)
            and node.returns is not None
            and any(_last_name(d) == "activity" for d in node.decorator_list)
        ):
            returns[node.name] = node.returns
    return ModuleTypes(shapes, returns)


def _last_name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _shape(node: ast.ClassDef) -> Shape | None:
    is_dataclass = any(_last_name(d) == "dataclass" for d in node.decorator_list)
    is_model = any(_last_name(b) == "BaseModel" for b in node.bases)
    if not (is_dataclass or is_model):
        return None
    fields: dict[str, ast.expr] = {}
    defaults: dict[str, Any] = {}
    problem = None
    for stmt in node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            if _last_name(stmt.annotation) == "ClassVar" or (
                isinstance(stmt.annotation, ast.Subscript) and _last_name(stmt.annotation.value) == "ClassVar"
            ):
                continue
            fields[stmt.target.id] = stmt.annotation
            if stmt.value is not None:
                default = _default(stmt.value)
                if default is _NOT_LITERAL:
                    problem = (
                        f"the default of field '{stmt.target.id}' is not a literal (or the field has an "
                        "alias, a key other than its name)"
                    )
                else:
                    defaults[stmt.target.id] = default
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            problem = f"it defines '{stmt.name}' (logic the compiled definition cannot run)"
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # a docstring
        elif not isinstance(stmt, ast.Pass):
            problem = "its body holds more than field declarations"
    return Shape(node.name, fields, defaults, problem)


_NOT_LITERAL = object()
_ALIASES = {"alias", "validation_alias", "serialization_alias"}
# `field(default_factory=list)` / pydantic's `Field(default_factory=dict)`: an empty container.
_FACTORIES: dict[str, Any] = {"list": [], "dict": {}}


def _default(value: ast.expr) -> Any:
    """A field's default as a JSON value: a literal, `field(default=<literal>)`,
    `field(default_factory=list)` (or dict), and pydantic's `Field(...)` alike."""
    if isinstance(value, ast.Call) and _last_name(value.func) in ("field", "Field"):
        if any(kw.arg in _ALIASES for kw in value.keywords):
            return _NOT_LITERAL  # the JSON key is not the field's name
        if value.args and _last_name(value.func) == "Field":
            return _default(value.args[0])
        for kw in value.keywords:
            if kw.arg == "default":
                return _default(kw.value)
            if kw.arg == "default_factory" and isinstance(kw.value, ast.Name) and kw.value.id in _FACTORIES:
                return copy.deepcopy(_FACTORIES[kw.value.id])
        return _NOT_LITERAL
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError):
        return _NOT_LITERAL


def _type_of_annotation(types: ModuleTypes, annotation: ast.expr | None) -> TypeRef | None:
    if annotation is None:
        return None
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(annotation, ast.Name) and annotation.id in types.shapes:
        return TypeRef(types.shapes[annotation.id])
    if (
        isinstance(annotation, ast.Subscript)
        and _last_name(annotation.value) in ("list", "List", "Sequence")
        and isinstance(annotation.slice, ast.Name)
        and annotation.slice.id in types.shapes
    ):
        return TypeRef(types.shapes[annotation.slice.id], many=True)
    return None


def _types(lw: LowererCore) -> ModuleTypes:
    return module_types("\n".join(lw.sink.lines))


def _names(lw: LowererCore) -> dict[str, TypeRef]:
    names = _TYPES.get(lw)
    if names is None:
        names = {}
        outer = lw.outer if isinstance(getattr(lw, "outer", None), LowererCore) else None
        if outer is not None and outer in _TYPES:
            names.update(_TYPES[outer])
        scope = lw.scope_node
        if isinstance(scope, ast.AsyncFunctionDef) and lw.env.input_param is not None:
            for arg in scope.args.posonlyargs + scope.args.args:
                if arg.arg == lw.env.input_param:
                    typed = _type_of_annotation(_types(lw), arg.annotation)
                    if typed is not None:
                        names[arg.arg] = typed
        _TYPES[lw] = names
    return names


def rewrite(lw: LowererCore, stmt: ast.stmt) -> ast.stmt:
    """`stmt` with attribute access on typed values made key access."""
    _install_isinstance(lw)
    types = _types(lw)
    names = _names(lw)
    if not types.shapes and not names and not _mentions_type_call(stmt) and not _calls_http(stmt):
        return stmt
    rewriter = _Rewriter(lw, types, names)
    new = rewriter.visit(copy.deepcopy(stmt))
    assert isinstance(new, ast.stmt)
    if not rewriter.changed:
        return stmt  # the statement as it was: other passes know its nodes by identity
    return ast.fix_missing_locations(new)


_INSTALLED: weakref.WeakKeyDictionary[LowererCore, bool] = weakref.WeakKeyDictionary()


def _install_isinstance(lw: LowererCore) -> None:
    """Translate `isinstance(...)` calls ahead of the module's own helpers and the builtins."""
    if lw in _INSTALLED:
        return
    _INSTALLED[lw] = True
    helpers = lw.env.inline_call

    def inline_call(call: ast.Call) -> Expr | None:
        found = isinstance_call(lw, call)
        if found is not None:
            return found
        return helpers(call) if helpers is not None else None

    lw.env.inline_call = inline_call


def _calls_http(stmt: ast.stmt) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr == "call_http" for n in ast.walk(stmt))


def _mentions_type_call(stmt: ast.stmt) -> bool:
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in ("type", "isinstance")
        for n in ast.walk(stmt)
    )


class _Rewriter(ast.NodeTransformer):
    def __init__(self, lw: LowererCore, types: ModuleTypes, names: dict[str, TypeRef]) -> None:
        self.lw = lw
        self.types = types
        self.names = names
        self.changed = False

    # -- what a value is ----------------------------------------------------------------------
    def type_of(self, node: ast.expr) -> TypeRef | None:
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("reversed", "list", "sorted")
            and node.func.id not in self.names
            and len(node.args) == 1
            and not node.keywords
        ):
            inner = self.type_of(node.args[0])  # the same typed items, in another order
            return inner if inner is not None and inner.many else None
        if isinstance(node, ast.Attribute):
            base = self.type_of(node.value)
            if base is not None and not base.many and node.attr in base.shape.fields:
                return _type_of_annotation(self.types, base.shape.fields[node.attr])
        if isinstance(node, ast.Subscript):
            base = self.type_of(node.value)
            if base is not None and base.many and not isinstance(node.slice, ast.Slice):
                return TypeRef(base.shape)
            if base is not None and base.many:
                return base
            if (
                base is not None
                and isinstance(node.slice, ast.Constant)
                and isinstance(node.slice.value, str)
                and node.slice.value in base.shape.fields
            ):
                return _type_of_annotation(self.types, base.shape.fields[node.slice.value])
        return None

    def _assigned_type(self, value: ast.expr) -> TypeRef | None:
        if isinstance(value, ast.Await):
            value = value.value
        op = self.lw.ctx_call(value)
        if op is not None and op[0] == "call_http":
            return TypeRef(HTTP_RESPONSE)
        if op is not None and op[0] in ("call_activity", "call_activity_with_retry") and op[1].args:
            fn = op[1].args[0]
            if isinstance(fn, ast.Name) and fn.id in self.types.activity_returns:
                return _type_of_annotation(self.types, self.types.activity_returns[fn.id])
            return None
        return self.type_of(value)

    def _bind(self, target: ast.expr, typed: TypeRef | None) -> None:
        if isinstance(target, ast.Name):
            _DECLARED.get(self.lw, {}).pop(target.id, None)
            if typed is None:
                self.names.pop(target.id, None)
            else:
                self._check(target, typed.shape)
                self.names[target.id] = typed
        elif isinstance(target, ast.Tuple | ast.List):
            for e in target.elts:
                self._bind(e, None)

    def _check(self, node: ast.AST, shape: Shape) -> None:
        if shape.problem is not None:
            self.lw.report(
                node,
                "DSF025",
                f"{shape.name} cannot be used as typed data: {shape.problem}",
                "keep the class to field declarations with literal defaults, and put logic in an activity",
            )

    # -- statements that type names ------------------------------------------------------------
    def visit_Assign(self, node: ast.Assign) -> ast.AST:
        typed = self._assigned_type(node.value)  # before the rewrite, which may hide the field read
        node.value = self.visit(node.value)
        for target in node.targets:
            self._bind(target, typed)
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        if node.value is not None:
            typed = self._assigned_type(node.value)
            node.value = self.visit(node.value)
            self._bind(node.target, typed)
            declared = _type_of_annotation(self.types, node.annotation)
            if isinstance(node.target, ast.Name) and typed is None and declared is not None:
                _DECLARED.setdefault(self.lw, {})[node.target.id] = declared.shape.name
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        node.value = self.visit(node.value)
        self._bind(node.target, None)
        return node

    def _item_types(self, target: ast.expr, iterable: ast.expr) -> list[tuple[ast.expr, TypeRef | None]]:
        """What each name of a loop target holds: an item of a typed list, also as the second
        name of `for i, line in enumerate(order.lines)`."""
        if (
            isinstance(target, ast.Tuple | ast.List)
            and len(target.elts) == 2
            and isinstance(iterable, ast.Call)
            and isinstance(iterable.func, ast.Name)
            and iterable.func.id == "enumerate"
            and iterable.args
        ):
            inner = self.type_of(iterable.args[0])
            item = TypeRef(inner.shape) if inner is not None and inner.many else None
            return [(target.elts[0], None), (target.elts[1], item)]
        typed = self.type_of(iterable)
        return [(target, TypeRef(typed.shape) if typed is not None and typed.many else None)]

    def visit_For(self, node: ast.For) -> ast.AST:
        items = self._item_types(node.target, node.iter)  # before the rewrite hides the field read
        node.iter = self.visit(node.iter)
        for target, typed in items:
            self._bind(target, typed)
        node.body = [self.visit(s) for s in node.body]
        node.orelse = [self.visit(s) for s in node.orelse]
        return node

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> ast.AST:
        saved = dict(self.names)
        for gen in node.generators:
            items = self._item_types(gen.target, gen.iter)
            gen.iter = self.visit(gen.iter)
            for target, typed in items:
                self._bind(target, typed)
            gen.ifs = [self.visit(i) for i in gen.ifs]
        if isinstance(node, ast.DictComp):
            node.key = self.visit(node.key)
            node.value = self.visit(node.value)
        else:
            node.elt = self.visit(node.elt)
        self.names.clear()
        self.names.update(saved)
        return node

    visit_ListComp = _comprehension
    visit_SetComp = _comprehension
    visit_GeneratorExp = _comprehension
    visit_DictComp = _comprehension

    # -- expressions ----------------------------------------------------------------------------
    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if (
            node.attr == "__name__"
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id == "type"
            and len(node.value.args) == 1
            and isinstance(node.value.args[0], ast.Name)
            and node.value.args[0].id in self.lw.env.exc_vars
        ):
            self.changed = True
            return self._error_name(node, node.value.args[0])
        base = self.type_of(node.value)
        node.value = self.visit(node.value)
        if base is None and isinstance(node.value, ast.Name) and isinstance(node.ctx, ast.Load):
            declared = _DECLARED.get(self.lw, {}).get(node.value.id)
            if declared is not None:
                self.lw.report(
                    node,
                    "DSF025",
                    f"'{node.value.id}' is annotated {declared}, but an annotation does not change "
                    "the value: it holds the JSON it was given (a dict, in the direct run too)",
                    f"declare the type where the value is made (the activity's return annotation, "
                    f"`-> {declared}`, or the orchestrator's parameter), or read "
                    f"{node.value.id}[{node.attr!r}]",
                )
                return node
        if base is None or base.many or not isinstance(node.ctx, ast.Load):
            return node
        shape = base.shape
        if shape.problem is not None:
            self._check(node, shape)
            return node
        if node.attr not in shape.fields:
            self.lw.report(node, "DSF025", f"{shape.name} declares no field '{node.attr}'", _FIELDS_HINT)
            return node
        self.changed = True
        key = ast.copy_location(
            ast.Subscript(value=node.value, slice=ast.Constant(node.attr), ctx=ast.Load()), node
        )
        if node.attr not in shape.defaults:
            return key
        present = ast.Compare(
            left=ast.Constant(node.attr), ops=[ast.In()], comparators=[copy.deepcopy(node.value)]
        )
        default = ast.parse(repr(shape.defaults[node.attr]), mode="eval").body  # a literal, lists too
        return ast.copy_location(ast.IfExp(test=present, body=key, orelse=default), node)

    def _error_name(self, node: ast.Attribute, error: ast.Name) -> ast.AST:
        """`type(e).__name__`: the caught error's name (a name bound to its JSONata, read from
        the error record itself, so it also works on a plain exception the orchestrator or an
        expression raised, which has no `e.error`)."""
        bound = f"{error.id}.type_name"  # not an identifier: it cannot clash with a variable
        record = self.lw.expr.translate(ast.Name(id=error.id, ctx=ast.Load()))
        self.lw.env.bound[bound] = Expr(
            (
                "($__name := ",
                *record.parts,
                ".Error; ",
                " : ".join(f"$__name = {json.dumps(e)} ? {json.dumps(c)}" for e, c in _ERROR_CLASSES.items()),
                " : $contains($__name, '.') ? ",
                raise_(LIMIT, "the Python class of a Step Functions error"),
                " : $__name)",
            ),
            Ty.STR,
        )
        return ast.copy_location(ast.Name(id=bound, ctx=ast.Load()), node)


# Step Functions errors and the class the direct run raises for them.
_ERROR_CLASSES = {
    "States.Timeout": "TimeoutError",
    "States.ExceedToleratedFailureThreshold": "ToleratedFailureExceeded",
}


def isinstance_call(lw: LowererCore, call: ast.Call) -> Expr | None:
    """`isinstance(x, str)` (or a tuple of JSON types) as JSONata `$type` tests; None when `call`
    is not an isinstance call."""
    if not (isinstance(call.func, ast.Name) and call.func.id == "isinstance"):
        return None
    if len(call.args) != 2 or call.keywords:
        lw.report(call, "DSF002", "isinstance() takes a value and a type (or a tuple of types)")
        return Expr.literal(False)
    kinds = call.args[1].elts if isinstance(call.args[1], ast.Tuple) else [call.args[1]]
    names = []
    for kind in kinds:
        if (isinstance(kind, ast.Constant) and kind.value is None) or (
            isinstance(kind, ast.Call)
            and isinstance(kind.func, ast.Name)
            and kind.func.id == "type"
            and len(kind.args) == 1
            and isinstance(kind.args[0], ast.Constant)
            and kind.args[0].value is None
        ):
            names.append("None")
        elif isinstance(kind, ast.Name):
            names.append(kind.id)
        else:
            names.append("?")
    type_names: list[str] = []
    if "int" in names and "float" in names:
        type_names.extend(NUMBER_TYPES)
    for name in names:
        if name in JSON_TYPES:
            type_names.extend(JSON_TYPES[name])
        elif name not in ("int", "float") or not ("int" in names and "float" in names):
            lw.report(
                call,
                "DSF002",
                f"isinstance() can test the JSON types str, bool, list, dict, None and (int, float), not {name}",
                "test numbers with isinstance(x, (int, float)): JSON does not tell an int from a float",
            )
            return Expr.literal(False)
    value = lw.expr.translate(call.args[0])
    wanted = ", ".join(f'"{t}"' for t in dict.fromkeys(type_names))
    return join("($type(", value, f") in [{wanted}])", ty=Ty.BOOL)
