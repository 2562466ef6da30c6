"""ASL states as small frozen value objects, rendered by `to_asl()`.

States refer to each other by internal ids while the passes run (folding removes and rewires
states); readable names are given last, once the graph is final. Expressions stay `ir.Expr` until
rendering, so the passes can substitute and rename variables exactly.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from durable_sfn.compiler.backend import distributed_map
from durable_sfn.compiler.ir import Expr, S3Fanout

Assigns = tuple[tuple[str, Expr], ...]

# Step Functions' recommended retry of transient Lambda service errors (the Workflow Studio
# default for a Lambda Invoke state), plus Powertools' IdempotencyAlreadyInProgressError: a
# concurrent duplicate of an idempotent activity fails with it while the first attempt is still
# running, and succeeds (with the recorded result) once that attempt has finished.
LAMBDA_TRANSIENT_ERRORS = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "IdempotencyAlreadyInProgressError",
)


@dataclass(frozen=True)
class Retrier:
    errors: tuple[str, ...]
    interval_seconds: int
    max_attempts: int
    backoff_rate: float
    max_delay_seconds: int | None = None
    jitter: bool = False

    def to_asl(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ErrorEquals": list(self.errors),
            "IntervalSeconds": self.interval_seconds,
            "MaxAttempts": self.max_attempts,
            "BackoffRate": _number(self.backoff_rate),
        }
        if self.max_delay_seconds is not None:
            out["MaxDelaySeconds"] = self.max_delay_seconds
        if self.jitter:
            out["JitterStrategy"] = "FULL"
        return out


TRANSIENT_LAMBDA_RETRY = Retrier(LAMBDA_TRANSIENT_ERRORS, 1, 3, 2.0, jitter=True)


@dataclass(frozen=True)
class Catcher:
    errors: tuple[str, ...]
    next: str
    assign: Assigns = ()


@dataclass(frozen=True)
class Rule:
    condition: Expr
    next: str
    assign: Assigns = ()


@dataclass
class Graph:
    """One scope of states: the top level, a Map's ItemProcessor or a Parallel branch."""

    start: str
    states: dict[str, State] = field(default_factory=dict)


@dataclass(frozen=True)
class State:
    id: str
    type: str
    name: str
    comment: str
    next: str | None = None
    end: bool = False
    assign: Assigns = ()
    output: Expr | None = None
    # Task
    resource: str | None = None
    arguments: dict[str, Expr] | None = None
    timeout_seconds: Expr | None = None
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()
    # Choice
    rules: tuple[Rule, ...] = ()
    default: str | None = None
    # Wait
    seconds: Expr | None = None
    timestamp: Expr | None = None
    # Map / Parallel
    items: Expr | None = None
    item_selector: Expr | None = None
    processor: Graph | None = field(default=None, compare=False)
    branches: tuple[Graph, ...] = field(default=(), compare=False)
    max_concurrency: int | None = None
    distributed: bool = False
    s3: S3Fanout | None = None  # a Distributed Map that reads its items from S3
    express: bool = False  # its children run as Express executions
    # Fail
    error: Expr | None = None
    cause: Expr | None = None
    # Variables this state assigns only for the compiler's own bookkeeping (safe to drop).
    synthetic: frozenset[str] = frozenset()
    # Which `try` handlers an error of the statement this state comes from goes to (0: none, the
    # execution fails): an expression that may fail is only evaluated where a failure reaches
    # the same handlers (`passes` folds by this).
    guard: int = 0

    def successors(self) -> Iterator[str]:
        if self.next:
            yield self.next
        for r in self.rules:
            yield r.next
        if self.default:
            yield self.default
        for c in self.catch:
            yield c.next

    def expressions(self) -> Iterator[Expr]:
        """Expressions evaluated before the state's Assign (they read the old variable values)."""
        for e in (
            self.output,
            self.timeout_seconds,
            self.seconds,
            self.timestamp,
            self.items,
            self.error,
            self.cause,
        ):
            if e is not None:
                yield e
        if self.arguments:
            yield from self.arguments.values()
        if self.s3 is not None:
            yield from self.s3.expressions()
        for r in self.rules:
            yield r.condition
            for _, e in r.assign:
                yield e
        for _, e in self.assign:
            yield e
        for c in self.catch:
            for _, e in c.assign:
                yield e


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def render(expr: Expr, rename: Callable[[str], str], *, template: bool = True) -> Any:
    """An ASL field value: plain JSON for constants, `{% ... %}` for expressions, and a JSON
    template (one expression per leaf) for dict and list displays."""
    if expr.is_const:
        value = expr.const
        if isinstance(value, str) and value.lstrip().startswith("{%"):
            return "{% " + json.dumps(value) + " %}"  # a literal that would read as an expression
        if isinstance(value, dict | list) and _has_expression_like_string(value):
            return "{% " + expr.text(rename) + " %}"
        return value
    if template and isinstance(expr.template, dict):
        return {k: render(v, rename) for k, v in expr.template.items()}
    if template and isinstance(expr.template, tuple):
        return [render(v, rename) for v in expr.template]
    return "{% " + expr.text(rename) + " %}"


def render_output(expr: Expr, rename: Callable[[str], str]) -> Any:
    """Output: the asl-validator schema accepts a plain string or null only as an expression."""
    if expr.is_const and (expr.const is None or isinstance(expr.const, str)):
        return "{% " + json.dumps(expr.const) + " %}"
    return render(expr, rename)


def _has_expression_like_string(value: Any) -> bool:
    if isinstance(value, str):
        return value.lstrip().startswith("{%")
    if isinstance(value, dict):
        return any(_has_expression_like_string(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_expression_like_string(v) for v in value)
    return False


def graph_to_asl(graph: Graph, names: dict[str, str], rename: Callable[[str], str]) -> dict[str, Any]:
    return {
        "StartAt": names[graph.start],
        "States": {names[s.id]: state_to_asl(s, names, rename) for s in graph.states.values()},
    }


def _assign(assigns: Assigns, rename: Callable[[str], str]) -> dict[str, Any]:
    return {rename(k): render(v, rename) for k, v in assigns}


def state_to_asl(s: State, names: dict[str, str], rename: Callable[[str], str]) -> dict[str, Any]:
    out: dict[str, Any] = {"Type": s.type}
    if s.comment:
        out["Comment"] = s.comment
    r = rename
    if s.type == "Task":
        out["Resource"] = s.resource
        if s.arguments is not None:
            out["Arguments"] = {k: render(v, r) for k, v in s.arguments.items()}
        if s.timeout_seconds is not None:
            out["TimeoutSeconds"] = render(s.timeout_seconds, r, template=False)
    elif s.type == "Choice":
        rules = []
        for rule in s.rules:
            item: dict[str, Any] = {
                "Condition": "{% " + rule.condition.text(r) + " %}",
                "Next": names[rule.next],
            }
            if rule.assign:
                item["Assign"] = _assign(rule.assign, r)
            rules.append(item)
        out["Choices"] = rules
        if s.default:
            out["Default"] = names[s.default]
    elif s.type == "Wait":
        if s.seconds is not None:
            out["Seconds"] = render(s.seconds, r, template=False)
        if s.timestamp is not None:
            out["Timestamp"] = render(s.timestamp, r, template=False)
    elif s.type == "Map":
        assert s.items is not None and s.processor is not None
        if s.s3 is not None:
            out.update(distributed_map.fields(s.s3, r))
        else:
            out["Items"] = render(s.items, r)
        if s.item_selector is not None:
            out["ItemSelector"] = render(s.item_selector, r)
        processor = graph_to_asl(s.processor, names, r)
        mode: dict[str, Any] = (
            distributed_map.processor_config(s.express) if s.distributed else {"Mode": "INLINE"}
        )
        out["ItemProcessor"] = {"ProcessorConfig": mode, **processor}
        if s.max_concurrency is not None:
            out["MaxConcurrency"] = s.max_concurrency
    elif s.type == "Parallel":
        out["Branches"] = [graph_to_asl(b, names, r) for b in s.branches]
    elif s.type == "Fail":
        for key, value in (("Error", s.error), ("Cause", s.cause)):
            if value is not None:
                out[key] = render(value, r, template=False)
    if s.retry:
        out["Retry"] = [x.to_asl() for x in s.retry]
    if s.catch:
        out["Catch"] = [
            {
                "ErrorEquals": list(c.errors),
                "Next": names[c.next],
                **({"Assign": _assign(c.assign, r)} if c.assign else {}),
            }
            for c in s.catch
        ]
    if s.assign and s.type not in ("Succeed", "Fail"):
        out["Assign"] = _assign(s.assign, r)
    if s.output is not None and s.type not in ("Choice", "Fail"):
        out["Output"] = render_output(s.output, r)
    if s.type not in ("Choice", "Succeed", "Fail"):
        if s.end:
            out["End"] = True
        else:
            out["Next"] = names[s.next] if s.next else None
    return out
