"""Log records in the execution history: the reserved log variable and how records combine.

A log statement (`ir.Log`) becomes an assignment of a list of records to the scope's reserved
variable (`orchestratorLog` at the top, `orchestratorLog2` inside a Map iteration or Parallel
branch, and so on: a branch may not assign a variable of an enclosing scope; `scope_variables`
gives each scope its name once the passes are done). Step Functions
records every Assign in the history (`assignedVariables` of the state's Exited event), so the
records are there for `durable-sfn history`, `run` and any client, without a state of their own:
like any assignment, `passes` fold the Pass into a neighbouring state. When two log statements
fold into one state, their records are concatenated in program order (`merge_assigns`), so no
record is lost.

A record is `{"level": "INFO", "logger": "orders", "message": "..."}`; `print()` gives level
`PRINT` and logger null. Readers: `durable_sfn.client.logs`.
"""

from __future__ import annotations

import re
from dataclasses import replace

from durable_sfn.compiler.backend.states import Assigns, Catcher, Graph, Rule
from durable_sfn.compiler.expressions.text import join
from durable_sfn.compiler.ir import Expr, Ty

LOG_VAR = "orchestratorLog"
_LOG_VAR_RE = re.compile(r"^orchestratorLog(?:[2-9]|[1-9][0-9]+)?$")


def log_var(depth: int) -> str:
    """The log variable of a scope nested `depth` deep (1: the orchestrator's own states)."""
    return LOG_VAR if depth <= 1 else f"{LOG_VAR}{depth}"


def is_log_var(name: str) -> bool:
    return bool(_LOG_VAR_RE.match(name))


def record(level: str, logger: str | None, message: Expr) -> Expr:
    """A list holding one record."""
    fields = {"level": Expr.literal(level), "logger": Expr.literal(logger), "message": message}
    if message.is_const:
        return Expr.literal([{k: v.const for k, v in fields.items()}])
    entry = join(
        '{"level": ',
        fields["level"],
        ', "logger": ',
        fields["logger"],
        ', "message": ',
        message,
        "}",
        ty=Ty.DICT,
    )
    entry = Expr(
        entry.parts,
        Ty.DICT,
        template=fields,
        time_dependent=entry.time_dependent,
        input_dependent=entry.input_dependent,
    )
    return _list([entry])


def _entries(records: Expr) -> list[Expr] | None:
    if records.is_const and isinstance(records.const, list):
        return [Expr.literal(r) for r in records.const]
    if isinstance(records.template, tuple):
        return list(records.template)
    return None


def _list(entries: list[Expr]) -> Expr:
    if all(e.is_const for e in entries):
        return Expr.literal([e.const for e in entries])
    pieces: list[str | Expr] = ["["]
    for i, e in enumerate(entries):
        pieces += [", "] if i else []
        pieces.append(e)
    pieces.append("]")
    text = join(*pieces, ty=Ty.LIST)
    return Expr(
        text.parts,
        Ty.LIST,
        template=tuple(entries),
        time_dependent=text.time_dependent,
        input_dependent=text.input_dependent,
    )


def concat(first: Expr, second: Expr) -> Expr:
    """The records of `first` then those of `second` (both lists of records)."""
    a, b = _entries(first), _entries(second)
    if a is not None and b is not None:
        return _list(a + b)
    return join("$append(", first, ", ", second, ")", ty=Ty.LIST)


def scope_variables(graph: Graph, depth: int = 1) -> None:
    """Name the log variable of each scope after its depth (the orchestrator's own states: 1)."""
    name = log_var(depth)
    if name != LOG_VAR:

        def rename(assigns: Assigns) -> Assigns:
            return tuple((name if k == LOG_VAR else k, v) for k, v in assigns)

        for sid, s in list(graph.states.items()):
            graph.states[sid] = replace(
                s,
                assign=rename(s.assign),
                rules=tuple(Rule(r.condition, r.next, rename(r.assign)) for r in s.rules),
                catch=tuple(Catcher(c.errors, c.next, rename(c.assign)) for c in s.catch),
            )
    for s in graph.states.values():
        if s.processor is not None:
            scope_variables(s.processor, depth + 1)
        for branch in s.branches:
            scope_variables(branch, depth + 1)


def merge_assigns(first: Assigns, second: Assigns) -> Assigns:
    """`first` updated by `second` (both already evaluated against the same variable values),
    except that log records of both are kept, `first`'s before `second`'s."""
    merged = dict(first)
    for key, value in second:
        merged[key] = concat(merged[key], value) if key in merged and is_log_var(key) else value
    return tuple(merged.items())
