"""What every expression rule builds on: the names in scope (`ExprEnv`) and `TranslatorCore`.

The rules are split by kind (`operators`, `comprehensions`, `calls`), and each needs to translate
sub-expressions and report problems. They reach both through `TranslatorCore`, whose `translate`
the concrete `translator.ExpressionTranslator` provides by composing the rules, so no rule module
imports the translator.
"""

from __future__ import annotations

import ast
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from durable_sfn.compiler.diagnostics import DiagnosticSink
from durable_sfn.compiler.expressions.runtime import py_str, timedelta_text
from durable_sfn.compiler.expressions.text import truthy
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
    locals: list[Mapping[str, str | Expr]] = field(default_factory=list)
    # Substitutions for names (a Map item read through `$states.input`, for example).
    bound: dict[str, Expr] = field(default_factory=dict)
    # Variable -> the variable holding its Python kind (true: a float), for variables whose kind
    # arithmetic decides at run time (frontend/number_kinds).
    kinds: dict[str, str] = field(default_factory=dict)
    # The kind variables whose variable may hold a float, and so -0.0 (kept as the kind '-0').
    signed_kinds: set[str] = field(default_factory=set)
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

    def repr_refused(self, node: ast.AST) -> Expr:
        return self.fail(
            node,
            "DSF052",
            "the text of a list or dict is Python's repr, which a compiled run does not reproduce",
            "build the text from the items, e.g. ', '.join(names) or f\"{d['id']}: {d['name']}\"",
        )

    def str_of(self, value: Expr) -> Expr:
        """Python's str() of a value (see `runtime.py_str`)."""
        if value.ty is Ty.TIMEDELTA:
            return timedelta_text(value)
        return py_str(value)
