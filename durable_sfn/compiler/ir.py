"""The compiler's typed intermediate representation.

The frontend lowers Python `ast` into these frozen dataclasses; the backend lowers them into ASL
states. Nothing else in between knows Python syntax or ASL field names, which keeps each pass small.

Expressions are already JSONata, but kept as a sequence of text fragments and variable references
(`Expr.parts`) rather than one string: later stages rename variables (JSONata built-in names,
collisions with outer scopes) and substitute one variable's defining expression into another
expression when `passes` fold an assignment into a neighbouring state. Both are exact on this structure
and guesswork on text.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


class Ty(enum.Enum):
    """The static type the frontend could infer for an expression (UNKNOWN when it could not)."""

    NUM = "number"  # an int, or a float the compiler did not see being made
    FLOAT = "float"  # a number Python holds as a float (`/`, float(), a float literal, ...)
    STR = "string"
    BOOL = "boolean"
    NULL = "null"
    LIST = "list"
    DICT = "dict"
    DATETIME = "datetime"
    TIMEDELTA = "timedelta"
    UNKNOWN = "unknown"

    @property
    def is_scalar(self) -> bool:
        return self in (Ty.NUM, Ty.FLOAT, Ty.STR, Ty.BOOL, Ty.NULL, Ty.DATETIME, Ty.TIMEDELTA)

    @property
    def is_number(self) -> bool:
        return self in (Ty.NUM, Ty.FLOAT)


@dataclass(frozen=True)
class Var:
    """A reference to an orchestrator variable (a Step Functions variable at run time)."""

    name: str


_NO_CONST: Any = object()


@dataclass(frozen=True)
class TimedeltaConstant:
    """A module-level `timedelta(...)` of literals (e.g. `POLL_INTERVAL = timedelta(seconds=10)`)."""

    seconds: int | float


@dataclass(frozen=True)
class Expr:
    """A JSONata expression as text fragments and variable references.

    `const` holds the JSON value when the expression is a literal (so the backend can emit plain
    JSON instead of `{% ... %}`); `template` holds the items of a dict or list display so that
    payloads render as readable JSON templates with one expression per leaf.
    """

    parts: tuple[str | Var, ...]
    ty: Ty = Ty.UNKNOWN
    const: Any = _NO_CONST
    template: dict[str, Expr] | tuple[Expr, ...] | None = field(default=None, compare=False)
    # Reads `$states.context.State.EnteredTime`: its value depends on which state evaluates it.
    time_dependent: bool = False
    # Reads `$states.input`: only meaningful in the state that binds a branch's input.
    input_dependent: bool = False
    # For a number of unknown kind made by arithmetic (`x + y` of values from the input): JSONata,
    # evaluated beside this expression, that is true when Python holds the result as a float
    # (`0.5 + 0.5` is 1.0, printed "1.0"), which JSON cannot tell from an int.
    float_when: Expr | None = field(default=None, compare=False)

    @staticmethod
    def raw(text: str, ty: Ty = Ty.UNKNOWN, *, time: bool = False, inp: bool = False) -> Expr:
        return Expr((text,), ty, time_dependent=time, input_dependent=inp)

    @staticmethod
    def var(name: str, ty: Ty = Ty.UNKNOWN) -> Expr:
        return Expr((Var(name),), ty)

    @staticmethod
    def literal(value: Any) -> Expr:
        """A JSON literal (the value must already be JSON-serialisable)."""
        ty = {bool: Ty.BOOL, int: Ty.NUM, float: Ty.FLOAT, str: Ty.STR, type(None): Ty.NULL}.get(
            type(value), Ty.LIST if isinstance(value, list) else Ty.DICT
        )
        return Expr((json.dumps(value),), ty, const=value)

    @property
    def is_const(self) -> bool:
        return self.const is not _NO_CONST

    def reads(self) -> frozenset[str]:
        names = {p.name for p in self.parts if isinstance(p, Var)}
        for child in self.children():
            names |= child.reads()
        return frozenset(names)

    def children(self) -> Iterator[Expr]:
        if isinstance(self.template, dict):
            yield from self.template.values()
        elif isinstance(self.template, tuple):
            yield from self.template

    def text(self, rename: Callable[[str], str] = lambda n: n) -> str:
        """The JSONata source, with each variable rendered as `$` + its (renamed) name."""
        return "".join(p if isinstance(p, str) else "$" + rename(p.name) for p in self.parts)

    def substitute(self, values: Mapping[str, Expr]) -> Expr:
        """Replace variable references by (parenthesised) expressions, e.g. when folding `y = x + 1`
        into the state whose Assign defines `x`: Assign evaluates all right-hand sides against the
        values from before the state, so `y` must read the new `x`'s defining expression instead."""
        if not (self.reads() & values.keys()):
            return self
        parts: list[str | Var] = []
        for p in self.parts:
            if isinstance(p, Var) and p.name in values:
                parts.extend(("(", *values[p.name].parts, ")"))
            else:
                parts.append(p)
        template: dict[str, Expr] | tuple[Expr, ...] | None = None
        if isinstance(self.template, dict):
            template = {k: v.substitute(values) for k, v in self.template.items()}
        elif isinstance(self.template, tuple):
            template = tuple(v.substitute(values) for v in self.template)
        used = [values[n] for n in self.reads() & values.keys()]
        return Expr(
            tuple(parts),
            self.ty,
            template=template,
            time_dependent=self.time_dependent or any(e.time_dependent for e in used),
            input_dependent=self.input_dependent or any(e.input_dependent for e in used),
        )


# ---------------------------------------------------------------------------------------------
# Statements. Every statement carries the source line it came from (`loc`), used for the state's
# Comment and name, and for diagnostics raised by later passes.


@dataclass(frozen=True)
class Loc:
    line: int
    col: int
    source: str  # the stripped source line, for Comments


@dataclass(frozen=True)
class RetryPolicy:
    """A Durable `RetryOptions` already translated to ASL Retrier numbers."""

    interval_seconds: int
    max_attempts: int  # retries, i.e. Durable attempts - 1
    backoff_rate: float
    max_delay_seconds: int | None
    # The errors retried (the Retrier's ErrorEquals): every error unless `retry_on` / `handle` say.
    errors: tuple[str, ...] = ("States.ALL",)


@dataclass(frozen=True)
class Assign:
    target: str
    value: Expr
    loc: Loc
    # (variable, JSONata true when the value is a Python float): assigned beside `target` in the
    # same Assign, for a variable whose kind arithmetic decides at run time (frontend/number_kinds).
    kind: tuple[str, Expr] | None = None


@dataclass(frozen=True)
class SetStatus:
    value: Expr
    loc: Loc


@dataclass(frozen=True)
class CallActivity:
    target: str | None
    activity: str
    payload: Expr
    retry: RetryPolicy | None
    loc: Loc


@dataclass(frozen=True)
class CallSubOrchestrator:
    target: str | None
    orchestrator: str
    payload: Expr
    loc: Loc
    retry: RetryPolicy | None = None  # call_sub_orchestrator_with_retry
    instance_id: Expr | None = None  # the child execution's name


@dataclass(frozen=True)
class CallEntity:
    """`await ctx.call_entity(EntityId(entity, key), operation, payload)` (signal=False, a Lambda
    Task with a result) or `ctx.signal_entity(...)` (signal=True, an SQS message, no result)."""

    target: str | None
    entity: str
    key: Expr
    operation: str
    payload: Expr
    signal: bool
    loc: Loc


@dataclass(frozen=True)
class CallHttp:
    """`await ctx.call_http(method, uri, content, headers)`: an HTTP Task, then Durable's polling
    of a `202 Accepted` answer with a `Location` (see `backend/http_calls`)."""

    target: str | None
    method: str  # upper case, one of the HTTP Task's methods
    uri: Expr
    content: Expr | None
    headers: Expr | None
    loc: Loc


@dataclass(frozen=True)
class WaitForEvent:
    target: str | None
    event_name: Expr
    timeout_seconds: Expr | None
    loc: Loc


@dataclass(frozen=True)
class Timer:
    seconds: Expr | None  # exactly one of seconds / timestamp
    timestamp: Expr | None
    loc: Loc


@dataclass(frozen=True)
class If:
    condition: Expr
    then: Block
    orelse: Block
    loc: Loc
    label: str  # the condition's source text, for the state name


@dataclass(frozen=True)
class While:
    condition: Expr
    body: Block
    loc: Loc
    label: str


@dataclass(frozen=True)
class ForEach:
    """Sequential `for target in items`: a counted Choice loop (or a Map with MaxConcurrency 1)."""

    target: str
    items: Expr
    body: Block
    loc: Loc
    label: str
    index_var: str  # synthetic variables chosen by the frontend, unique in the orchestrator
    items_var: str


@dataclass(frozen=True)
class Branch:
    """One concurrently running body: a Map iteration or a Parallel branch.

    `params` are bound at the start of the branch; in a Map iteration they may read the item
    through `$states.input`.
    """

    params: tuple[tuple[str, Expr], ...]
    body: Block
    label: str


@dataclass(frozen=True)
class S3Fanout:
    """Where a distributed task_all reads its items (`ctx.s3_items` / `ctx.s3_objects`) and how
    the Map Run goes: the Distributed Map fields the backend renders (`backend/distributed_map`)."""

    reader: str  # "JSON", "JSONL", "CSV", "MANIFEST" (s3:getObject) or "OBJECTS" (s3:listObjectsV2)
    bucket: Expr
    key: Expr  # the object key, or the prefix for "OBJECTS"
    batch_size: int | None = None
    max_items: int | None = None
    csv_delimiter: str | None = None  # ReaderConfig.CSVDelimiter (COMMA, PIPE, ...)
    csv_headers: tuple[str, ...] | None = None  # CSVHeaderLocation GIVEN
    tolerated_failure_percentage: float | None = None
    tolerated_failure_count: int | None = None
    results_bucket: Expr | None = None
    results_prefix: Expr | None = None
    label: str = ""
    express: bool = False

    def expressions(self) -> tuple[Expr, ...]:
        return tuple(
            e for e in (self.bucket, self.key, self.results_bucket, self.results_prefix) if e is not None
        )


@dataclass(frozen=True)
class MapAll:
    target: str | None
    items: Expr
    branch: Branch
    max_concurrency: int | None
    distributed: bool
    loc: Loc
    items_label: str = ""  # the iterable's source text, for the state name
    # Set when the branch calls entities: the iteration's index is passed in through ItemSelector
    # and bound to this variable, so each iteration's entity operation ids differ.
    scope_var: str | None = None
    # Set when the items are read from S3 by the Map itself (a Distributed Map's ItemReader).
    s3: S3Fanout | None = None


@dataclass(frozen=True)
class ParallelAll:
    target: str | None
    branches: tuple[Branch, ...]
    loc: Loc


@dataclass(frozen=True)
class Handler:
    errors: tuple[str, ...]  # ASL error names (States.ALL, States.Timeout, or class names)
    var: str | None
    body: Block
    loc: Loc


@dataclass(frozen=True)
class Try:
    body: Block
    handlers: tuple[Handler, ...]
    orelse: Block
    finalbody: Block
    loc: Loc
    # The variable a `return` (or `ctx.continue_as_new`) leaving the try through its finally
    # block keeps its value in while the finally block runs (None: no such exit).
    return_var: str | None = None


@dataclass(frozen=True)
class Raise:
    error: Expr  # a constant class name, or `$e.Error` for a re-raise
    cause: Expr
    loc: Loc
    # A class without `error`/`cause`/`message` attributes (anything but OrchestrationError and
    # its subclasses): reading them from the caught error fails, as it does in Python.
    plain: bool = False


@dataclass(frozen=True)
class Return:
    value: Expr
    loc: Loc
    label: str = ""  # what is returned, for the state name


@dataclass(frozen=True)
class ContinueAsNew:
    value: Expr
    loc: Loc


@dataclass(frozen=True)
class Log:
    """A log record (`logging.info(...)`, `logger.warning(...)`, `print(...)`), written to the
    execution history as the value of the scope's reserved log variable, in the Assign of a
    neighbouring state (see `backend/logs`)."""

    level: str  # DEBUG, INFO, WARNING, ERROR, CRITICAL, or PRINT for print()
    logger: str | None  # the logger's name (`root` for logging.info); None for print()
    message: Expr
    loc: Loc


@dataclass(frozen=True)
class Break:
    loc: Loc


@dataclass(frozen=True)
class Continue:
    loc: Loc


Stmt = (
    Assign
    | SetStatus
    | CallActivity
    | CallSubOrchestrator
    | CallEntity
    | CallHttp
    | WaitForEvent
    | Timer
    | If
    | While
    | ForEach
    | MapAll
    | ParallelAll
    | Try
    | Raise
    | Return
    | ContinueAsNew
    | Log
    | Break
    | Continue
)
Block = tuple[Stmt, ...]


@dataclass(frozen=True)
class Orchestration:
    name: str
    file: str
    line: int
    body: Block
    variables: frozenset[str]  # every variable assigned anywhere in the top-level scope
