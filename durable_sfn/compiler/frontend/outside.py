"""Names an orchestrator reads from outside its body, as expressions: the environment
(deploy-time values, `deploy_values`), constants of imported modules read as `config.NAME`, and
dispatch tables of activities, which select an activity (`dispatch`), have a length and (a dict)
keys to test with `in`, and are refused anywhere else, since their items are functions, not JSON
values.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass

from durable_sfn.compiler.expressions.core import ExprEnv, TranslatorCore
from durable_sfn.compiler.expressions.translator import ExpressionTranslator
from durable_sfn.compiler.frontend import deploy_values, durable_api
from durable_sfn.compiler.frontend.scopes import ModuleInfo
from durable_sfn.compiler.frontend.source_labels import dotted_name
from durable_sfn.compiler.ir import Expr, TimedeltaConstant, Ty


@dataclass(frozen=True)
class HeldEntity:
    """A variable holding an EntityId (`entity_ids`): the entity's name, and the variable that
    holds its key."""

    entity: str
    key_variable: str


ENTITY_HINT = (
    "pass the variable to ctx.call_entity / ctx.signal_entity, or read its .name and .key; "
    'an EntityId("Name", key) is not a JSON value'
)


class Translator(ExpressionTranslator):
    """The expression translator of an orchestrator's body: names from outside first, and the
    variables that hold an EntityId."""

    def __init__(self, env: ExprEnv, module: ModuleInfo) -> None:
        super().__init__(env)
        self.module = module
        self.entity_ids: dict[str, HeldEntity] = {}

    def translate(self, node: ast.expr) -> Expr:
        if isinstance(node, ast.Attribute | ast.Subscript | ast.Call | ast.Name | ast.Compare):
            found = self._entity_id(node) if self.entity_ids else None
            if found is None and isinstance(node, ast.Attribute | ast.Call):
                found = self._durable_member(node)
            if found is None:
                found = translate(self, self.module, node)
            if found is not None:
                return found
        return super().translate(node)

    def _durable_member(self, node: ast.expr) -> Expr | None:
        """A refusal for a Durable API member with no compiled form (`durable_api`)."""
        refused = durable_api.member(node, self.env.ctx_name)
        if refused is not None:
            name, refusal = refused
            return self.fail(
                node, durable_api.CODE, f"ctx.{name} is not supported: {refusal.reason}", refusal.hint
            )
        refused = durable_api.function(node, self.env.ctx_name)
        if refused is not None:
            name, refusal = refused
            return self.fail(
                node, durable_api.CODE, f"{name}() is not supported: {refusal.reason}", refusal.hint
            )
        return None

    def _entity_id(self, node: ast.expr) -> Expr | None:
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            held = self.entity_ids.get(node.value.id)
            if held is not None and node.attr == "name":
                return Expr.literal(held.entity)
            if held is not None and node.attr == "key":
                return self.translate(ast.copy_location(ast.Name(id=held.key_variable, ctx=ast.Load()), node))
        if isinstance(node, ast.Name) and node.id in self.entity_ids:
            return self.fail(
                node, "DSF027", f"'{node.id}' holds an EntityId, which is not a value", ENTITY_HINT
            )
        return None


DISPATCH_HINT = "select the activity of a call with it: `await ctx.call_activity(TABLE[key], input)`"


def translate(t: TranslatorCore, module: ModuleInfo, node: ast.expr) -> Expr | None:
    """The translation of `node` when it reads a name from outside the body, else None."""
    found = deploy_values.translate(t, module, node)
    if found is not None:
        return found
    if isinstance(node, ast.Compare):
        return _membership(t, module, node)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "len"
        and not _shadowed(t, "len")
        and len(node.args) == 1
        and not node.keywords
    ):
        table = dotted_name(node.args[0]) if isinstance(node.args[0], ast.Name | ast.Attribute) else None
        if table is not None and table in module.dispatch_tables and not _shadowed(t, table):
            return Expr.literal(len(module.dispatch_tables[table].items))  # `len(STAGES)`
    dotted = dotted_name(node) if isinstance(node, ast.Name | ast.Attribute) else None
    if dotted is None or _shadowed(t, dotted):
        return None
    if dotted in module.dispatch_tables:
        return t.fail(
            node,
            "DSF011",
            f"'{dotted}' holds activity functions, which are not values an orchestrator can use",
            DISPATCH_HINT,
        )
    if isinstance(node, ast.Name) and dotted in module.changed_names and dotted not in module.constants:
        return t.fail(
            node,
            "DSF002",
            f"module-level '{dotted}' is changed by this module (line {module.changed_names[dotted]}), "
            "so its value cannot be taken from the source",
            "never change a module-level value the orchestrator reads (build a new value in the "
            "orchestrator), or pass it in the input",
        )
    if isinstance(node, ast.Attribute) and dotted in module.constants:
        value = module.constants[dotted]
        if isinstance(value, TimedeltaConstant):
            return Expr((json.dumps(value.seconds),), Ty.TIMEDELTA, const=value.seconds)
        return Expr.literal(value)
    return None


def _shadowed(t: TranslatorCore, dotted: str) -> bool:
    """Whether the first name of `dotted` is one of the orchestrator's own names."""
    base = dotted.split(".")[0]
    env = t.env
    return (
        base in env.variables
        or base in env.bound
        or base in env.exc_vars
        or base == env.input_param
        or any(base in scope for scope in env.locals)
    )


def _membership(t: TranslatorCore, module: ModuleInfo, node: ast.Compare) -> Expr | None:
    """`key in TABLE` for a dict dispatch table: whether the table has that key."""
    if len(node.ops) != 1 or not isinstance(node.ops[0], ast.In | ast.NotIn):
        return None
    dotted = (
        dotted_name(node.comparators[0])
        if isinstance(node.comparators[0], ast.Name | ast.Attribute)
        else None
    )
    if dotted is None or dotted not in module.dispatch_tables or _shadowed(t, dotted):
        return None
    items = module.dispatch_tables[dotted].items
    if not isinstance(items, dict):
        return None  # membership of a function in a list: refused as a use of the table
    keys = ast.copy_location(
        ast.List(elts=[ast.Constant(k) for k in items], ctx=ast.Load()), node.comparators[0]
    )
    return t.translate(ast.copy_location(ast.Compare(left=node.left, ops=node.ops, comparators=[keys]), node))
