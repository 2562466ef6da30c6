"""What every expression rule builds on: the names in scope (`ExprEnv`) and `TranslatorCore`.

The rules are split by kind (`operators`, `comprehensions`, `calls`), and each needs to translate
sub-expressions and report problems. They reach both through `TranslatorCore`, whose `translate`
the concrete `translator.ExpressionTranslator` provides by composing the rules, so no rule module
imports the translator.
"""

from __future__ import annotations

import ast
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from durable_sfn.compiler.diagnostics import DiagnosticSink
from durable_sfn.compiler.expressions.text import join, truthy
from durable_sfn.compiler.ir import Expr, Ty


@dataclass
class ExprEnv:
    """What the translator needs to know about names in scope."""

    sink: DiagnosticSink
    ctx_name: str
    input_param: str | None
    variables: dict[str, Ty]  # orchestrator variables visible here, with inferred types
    exc_vars: set[str] = field(default_factory=set)  # bound by `except ... as e`
    constants: dict[str, Any] = field(default_factory=dict)  # module-level literal constants
    # Names bound by comprehension functions (JSONata function parameters), innermost last.
    locals: list[dict[str, str]] = field(default_factory=list)
    # Substitutions for names (a Map item read through `$states.input`, for example).
    bound: dict[str, Expr] = field(default_factory=dict)
    # Compiles a call of one of the module's own functions in place (`frontend/helpers`); None
    # when the call is not one.
    inline_call: Callable[[ast.Call], Expr | None] | None = None


class TranslatorCore(ABC):
    """Translates one Python expression at a time; problems go to the env's diagnostic sink."""

    def __init__(self, env: ExprEnv) -> None:
        self.env = env

    @abstractmethod
    def translate(self, node: ast.expr) -> Expr:
        """The JSONata for `node` (a `null` placeholder after reporting what is not supported)."""

    @abstractmethod
    def iterable(self, node: ast.expr) -> Expr:
        """The items a loop over `node` yields, as a JSONata array (see `comprehensions`)."""

    def condition(self, node: ast.expr) -> Expr:
        return truthy(self.translate(node))

    def fail(self, node: ast.AST, code: str, message: str, hint: str = "") -> Expr:
        self.env.sink.report(code, message, getattr(node, "lineno", 0), getattr(node, "col_offset", 0), hint)
        return Expr.raw("null")

    def str_of(self, value: Expr) -> Expr:
        """Python's str() of a value, as far as JSON values allow."""
        if value.ty in (Ty.STR, Ty.DATETIME):
            return value
        if value.ty is Ty.BOOL:
            return join("(", value, ' ? "True" : "False")', ty=Ty.STR)
        if value.ty is Ty.NULL:
            return Expr.literal("None")
        if value.ty is Ty.NUM:
            return join("$string(", value, ")", ty=Ty.STR)
        return join(
            "($__v := ",
            value,
            '; $type($__v) = "boolean" ? ($__v ? "True" : "False") : '
            '$type($__v) = "null" ? "None" : $string($__v))',
            ty=Ty.STR,
        )
