"""Random orchestrators, written the way Durable users write them, from a seed.

`program(seed)` gives the source of one module (activities that fail on some inputs, error
classes, a sub-orchestrator and the orchestrator under test) and the inputs to run it on. The
same seed always gives the same program: a difference found by the long run is reproduced by
its seed alone.

The grammar covers the subset the compiler accepts: chaining, `task_all` fan-outs (over a
comprehension, a loop-built task list, a fixed list, a nested `async def` helper), `if/elif/else`,
`for`/`while` with `break`/`continue`, `try/except/finally` with `raise` and activity errors,
retries, timers, external events (waited for with and without a timeout; each input says which
events are raised, before the run or at a virtual time, so that some waits time out and some
receive data), custom status, sub-orchestrations, durable entities (one generated `@entity` per module, called
and signalled from Main; signals then calls, so that their order shows), grouping statements
(`g.setdefault(k, []).append(v)`, `g[k].append(v)`, `d[k] += v`), and expressions over strings,
numbers, lists, dicts and None (with `sorted`/`min`/`max` and `key=`/`default=`, `map` handed to
a consumer, `xs.sort(...)` and `xs.reverse()`), including the ones that fail at run time (missing keys, indexes out of
range, division by zero, `int()` of text) inside and outside a `try`. Variables are typed so
that most programs are meaningful Python; a few type errors are drawn on purpose.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from durable_sfn.testing import ScheduledEvent

INT, STR, LIST, SLIST, DICT, OPT, FLOAT, BOOL = "int", "str", "list", "slist", "dict", "opt", "float", "bool"
GROUPS = "groups"  # a dict of lists of ints, built by grouping statements; only returned

# External events Main may wait for with a timeout, and the type of their data. Waits without a
# timeout use names of their own ("Go1", ...), each waited for at most once and always raised.
EVENTS = {"Ping": INT, "Note": STR}
# When scheduled events arrive (seconds after the start): distinct odd seconds, so that no two
# arrive together; each also gets a millisecond of its own (see `events`).
EVENT_TIMES = [range(1, 120, 2), range(1, 2400, 2)]  # soon (most waits receive) or spread out

# The generated entity: its name, the keys Main uses (the runner reads each key's final state),
# and what each operation returns in Main. Its choices come from a random stream of their own, so
# a program that draws no entity statement is the program its seed gave before entities existed.
ENTITY = "Tally"
ENTITY_KEYS = ["k0", "k1"]
ENTITY_OPS = {"add": INT, "get": DICT, "tag": INT}
ENTITY_CHANCE = 0.04  # per statement of Main or Child (outside fan-out branches and helpers)

# Durable habits drawn from a stream of their own too (a program that draws none is the program
# its seed gave before): races of an event against a timer (task_any), activities called without
# input or by name, log statements and print(). Race events arrive at odd seconds and timers end
# on whole minutes, so a race never has two tasks finishing at the same instant.
HABIT_CHANCE = 0.06  # per statement of Main, Child and helpers
RACE_EVENT = "Vote"

HEADER = """\
from datetime import timedelta

from durable_sfn import OrchestrationContext, RetryOptions, activity, orchestrator


class Rejected(Exception):
    pass


class TooLarge(Rejected):
    pass


@activity(name="Inc")
def inc(n):
    return n + 1


@activity(name="Check")
def check(n):
    if n % 5 == 0:
        raise Rejected(f"{n} is rejected")
    if n > 20:
        raise TooLarge(f"{n} is too large")
    return n * 3


@activity(name="Label")
def label(v):
    return f"<{v}>"


@activity(name="Total")
def total(xs):
    return sum(xs)


@activity(name="Parse")
def parse(text):
    return int(text)


@activity(name="Keys")
def keys(d):
    return sorted(d)


@activity(name="Config")
def config(_=None):
    return {"a": 2, "b": 7}

"""

LOGGING_IMPORTS = """\
import logging

logger = logging.getLogger("differential")
"""

ENTITY_IMPORTS = """\
from durable_sfn import EntityId
from durable_sfn.entities import EntityContext, entity


"""

# Two texts order differently by UTF-16 code units (JavaScript, Step Functions) and by code points
# (Python): a fullwidth "!" (U+FF01) and an emoji beyond U+FFFF.
TEXTS = ["", "a", "ab", "Abc", " x ", "a,b", "12", "-3", "\U0001f600 a", "\uff01"]
KEYS = ["a", "b", "c"]


@dataclass
class Program:
    """One module and its inputs. An input's "events" entry (when the program waits for events)
    is what the runner raises: {name: data} before the run, or [[name, data, seconds], ...] at
    those virtual times; `events_of` reads it, and the orchestrator never sees it."""

    seed: int
    source: str
    inputs: list[dict[str, Any]]
    uses_task_all: bool
    uses_entity: bool = False


def events_of(value: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | list[ScheduledEvent] | None]:
    """The orchestrator's input without its "events" entry, and the events as the runners take them."""
    rest = {k: v for k, v in value.items() if k != "events"}
    spec = value.get("events")
    if spec is None or isinstance(spec, dict):
        return rest, spec
    return rest, [ScheduledEvent(name, data, timedelta(seconds=at)) for name, data, at in spec]


@dataclass
class Scope:
    """The variables a statement may read (name -> type), and which it must not assign."""

    vars: dict[str, str]
    readonly: set[str] = field(default_factory=set)
    in_loop: bool = False
    in_finally_try: bool = False
    in_helper: bool = False  # no sub-orchestrator calls (the child calling itself, or a branch)
    in_branch: bool = False
    in_main: bool = False  # external events are raised to Main only
    in_child: bool = False  # the sub-orchestrator's body (not its helpers)
    returns: str = DICT  # the type a `return` in this function gives

    def child(self, **changes: Any) -> Scope:
        copy = replace(self, vars=dict(self.vars), readonly=set(self.readonly))
        return replace(copy, **changes)

    def of(self, ty: str) -> list[str]:
        return [n for n, t in self.vars.items() if t == ty]

    def writable(self, ty: str) -> list[str]:
        return [n for n in self.of(ty) if n not in self.readonly]


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.counter = 0
        self.helpers: list[str] = []
        self.uses_task_all = False
        self.gates: list[str] = []  # event names waited for without a timeout (raised on every input)
        self.uses_events = False
        self.entity_rng = random.Random(f"entity-{seed}")
        self.uses_entity = False
        self.habit_rng = random.Random(f"habit-{seed}")
        self.uses_logging = False
        self.races = 0

    # -- helpers ------------------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, items: list[Any]) -> Any:
        return self.rng.choice(items)

    def pick_str(self, items: list[str]) -> str:
        return self.rng.choice(items)

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}{self.counter}"

    # -- expressions --------------------------------------------------------------------------

    def expr(self, ty: str, scope: Scope, depth: int = 2) -> str:
        names = scope.of(ty)
        if depth <= 0 or self.chance(0.3):
            if names and self.chance(0.75):
                return self.pick_str(names)
            return self.literal(ty)
        make = getattr(self, f"expr_{ty}")
        return f"({make(scope, depth - 1)})"  # parenthesized, so any form can be an operand

    def literal(self, ty: str) -> str:
        r = self.rng
        if ty == INT:
            return str(r.randint(-3, 12))
        if ty == FLOAT:
            return self.pick_str(["0.5", "2.5", "1.25", "-1.5", "3.0"])
        if ty == STR:
            return repr(self.pick(TEXTS))
        if ty == LIST:
            return "[" + ", ".join(str(r.randint(-2, 9)) for _ in range(r.randint(0, 3))) + "]"
        if ty == SLIST:
            return "[" + ", ".join(repr(self.pick(TEXTS)) for _ in range(r.randint(0, 3))) + "]"
        if ty == DICT:
            keys = r.sample(KEYS, r.randint(0, 2))
            return "{" + ", ".join(f"{k!r}: {r.randint(0, 9)}" for k in keys) + "}"
        if ty == OPT:
            return self.pick_str(["None", str(r.randint(0, 5))])
        if ty == BOOL:
            return self.pick_str(["True", "False"])
        raise ValueError(ty)

    def expr_int(self, s: Scope, d: int) -> str:
        e = self.expr
        forms = [
            lambda: f"{e(INT, s, d)} + {e(INT, s, d)}",
            lambda: f"{e(INT, s, d)} - {e(INT, s, d)}",
            lambda: f"{e(INT, s, d)} * {e(INT, s, 0)}",
            lambda: f"({e(INT, s, d)}) // {e(INT, s, 0)}",
            lambda: f"({e(INT, s, d)}) % {e(INT, s, 0)}",
            lambda: f"len({e(STR, s, d)})",
            lambda: f"len({e(LIST, s, d)})",
            lambda: f"len({e(DICT, s, d)})",
            lambda: f"sum({e(LIST, s, d)})",
            lambda: f"max({e(LIST, s, d)})",
            lambda: f"min({e(INT, s, d)}, {e(INT, s, d)})",
            lambda: f"abs({e(INT, s, d)})",
            lambda: f"{e(LIST, s, d)}[{e(INT, s, 0)}]",
            lambda: f"{e(DICT, s, d)}[{self.pick(KEYS)!r}]",
            lambda: f"{e(DICT, s, d)}.get({self.pick(KEYS)!r}, {e(INT, s, 0)})",
            lambda: f"int({e(STR, s, d)})",
            lambda: f"({e(INT, s, d)} if {e(BOOL, s, d)} else {e(INT, s, d)})",
            lambda: f"{e(STR, s, d)}.count({self.pick(['a', 'b', ','])!r})",
            lambda: f"len([x for x in {e(LIST, s, d)} if x > {e(INT, s, 0)}])",
            lambda: f"({e(OPT, s, d)} or {e(INT, s, 0)})",
            lambda: f"round({e(FLOAT, s, d)})",
            lambda: f"-{e(INT, s, 0)}",
            lambda: f"max({e(LIST, s, d)}, key=lambda v: {self.key_body('v', s)})",
            lambda: f"min({e(LIST, s, d)}, key=lambda v: {self.key_body('v', s)}, default={e(INT, s, 0)})",
            lambda: f"max({e(LIST, s, d)}, default={e(INT, s, 0)})",
            lambda: f"len(min({e(SLIST, s, d)}, key=len, default=''))",
            lambda: f"sum(map(abs, {e(LIST, s, d)}))",
            lambda: f"ctx.current_utc_datetime.{self.pick(['minute', 'second', 'hour', 'day', 'weekday()'])}",
            lambda: f"max(map(len, {e(SLIST, s, d)}), default={e(INT, s, 0)})",
        ]
        return str(self.pick(forms)())

    def expr_float(self, s: Scope, d: int) -> str:
        e = self.expr
        forms = [
            lambda: f"{e(INT, s, d)} / {e(INT, s, 0)}",
            lambda: f"{e(FLOAT, s, d)} * {e(INT, s, 0)}",
            lambda: f"round({e(FLOAT, s, d)}, {self.rng.randint(0, 2)})",
            lambda: f"float({e(INT, s, d)})",
            lambda: f"{e(FLOAT, s, d)} + {e(FLOAT, s, d)}",
        ]
        return str(self.pick(forms)())

    def expr_str(self, s: Scope, d: int) -> str:
        e = self.expr
        forms = [
            lambda: f"{e(STR, s, d)} + {e(STR, s, d)}",
            # f-string fields are names or literals: no quotes nest inside the f-string
            lambda: f'f"{{{e(STR, s, 0)}}}-{{{e(INT, s, 0)}}}"',
            lambda: f'f"{{{e(FLOAT, s, 0)}:.2f}}"',
            lambda: f"str({e(self.pick([INT, FLOAT, OPT, BOOL]), s, d)})",
            lambda: f"{e(STR, s, d)}.upper()",
            lambda: f"{e(STR, s, d)}.lower()",
            lambda: f"{e(STR, s, d)}.strip()",
            lambda: f"{e(STR, s, d)}[0]",
            lambda: f"{e(STR, s, d)}[-1]",
            lambda: f"{e(STR, s, d)}.replace({self.pick(['a', ' ', ','])!r}, {self.pick(['', 'b', '-'])!r})",
            lambda: f"{self.pick([',', '-', ''])!r}.join({e(SLIST, s, d)})",
            lambda: f"{self.pick([',', '-'])!r}.join(str(x) for x in {e(LIST, s, d)})",
            lambda: f"{e(STR, s, d)} * {self.rng.randint(0, 3)}",
            lambda: f"({e(STR, s, d)} if {e(BOOL, s, d)} else {e(STR, s, d)})",
            lambda: (
                f"max({e(SLIST, s, d)}, key={self.pick(['len', 'lambda w: w.lower()'])}, default={e(STR, s, 0)})"
            ),
            lambda: self.max_key_of_dict(s),
            lambda: f"{self.pick([',', '-'])!r}.join(map(str, {e(LIST, s, d)}))",
        ]
        return str(self.pick(forms)())

    def expr_list(self, s: Scope, d: int) -> str:
        e = self.expr
        forms = [
            lambda: f"[{e(INT, s, d)}, {e(INT, s, d)}]",
            lambda: f"[x * {e(INT, s, 0)} for x in {e(LIST, s, d)}]",
            lambda: f"[x + 1 for x in {e(LIST, s, d)} if x % 2 == 0]",
            lambda: f"{e(LIST, s, d)} + {e(LIST, s, d)}",
            lambda: f"sorted({e(LIST, s, d)})",
            lambda: f"sorted({e(LIST, s, d)}, reverse=True)",
            lambda: f"sorted({e(LIST, s, d)}, key=lambda v: {self.key_body('v', s)})",
            lambda: f"sorted({e(LIST, s, d)}, key=lambda v: {self.key_body('v', s)}, reverse=True)",
            lambda: f"list({e(DICT, s, d)}.values())",
            lambda: f"[len(w) for w in {e(SLIST, s, d)}]",
            lambda: f"[v for k, v in {e(DICT, s, d)}.items() if k != {self.pick(KEYS)!r}]",
            lambda: (
                f"list(map(lambda v: {self.pick(['v * 2', 'v % 3', '-v', f'v + {e(INT, s, 0)}'])}, {e(LIST, s, d)}))"
            ),
        ]
        return str(self.pick(forms)())

    def expr_slist(self, s: Scope, d: int) -> str:
        e = self.expr
        forms = [
            lambda: f"{e(STR, s, d)}.split({self.pick([',', ' '])!r})",
            lambda: f"{e(STR, s, d)}.split()",
            lambda: f"sorted({e(DICT, s, d)})",
            lambda: (
                f"sorted({e(SLIST, s, d)}, key={self.pick(['len', 'lambda w: w.lower()', 'lambda w: (len(w), w)'])})"
            ),
            lambda: f"[k for k, v in sorted({e(DICT, s, d)}.items(), key=lambda kv: kv[1], reverse=True)]",
            lambda: f"list({e(DICT, s, d)})",
            lambda: f"[str(x) for x in {e(LIST, s, d)}]",
            lambda: f"[{e(STR, s, d)}, {e(STR, s, d)}]",
            lambda: f"[k for k in {e(DICT, s, d)}]",
            lambda: f"[c for c in {e(STR, s, d)}]",
        ]
        return str(self.pick(forms)())

    def expr_dict(self, s: Scope, d: int) -> str:
        e = self.expr
        forms = [
            lambda: f"{{{self.pick(KEYS)!r}: {e(INT, s, d)}, {self.pick(KEYS)!r}: {e(INT, s, d)}}}",
            lambda: f"{{**{e(DICT, s, d)}, {self.pick(KEYS)!r}: {e(INT, s, d)}}}",
            lambda: f"{{k: v + 1 for k, v in {e(DICT, s, d)}.items()}}",
            lambda: f"{{w: len(w) for w in {e(SLIST, s, d)}}}",
            lambda: f"dict({e(DICT, s, d)})",
        ]
        return str(self.pick(forms)())

    def expr_opt(self, s: Scope, d: int) -> str:
        e = self.expr
        forms = [
            lambda: f"{e(DICT, s, d)}.get({self.pick(KEYS)!r})",
            lambda: f"({e(INT, s, d)} if {e(BOOL, s, d)} else None)",
            lambda: "None",
        ]
        return str(self.pick(forms)())

    def expr_bool(self, s: Scope, d: int) -> str:
        e = self.expr
        forms = [
            lambda: f"{e(INT, s, d)} < {e(INT, s, d)}",
            lambda: f"{e(INT, s, d)} >= {e(INT, s, 0)}",
            lambda: f"{e(INT, s, d)} == {e(INT, s, d)}",
            lambda: f"{e(STR, s, d)} != {e(STR, s, 0)}",
            lambda: f"{e(STR, s, d)}.startswith({self.pick(['a', 'A', ''])!r})",
            lambda: f"{self.pick(['a', ',', ''])!r} in {e(STR, s, d)}",
            lambda: f"{e(INT, s, d)} in {e(LIST, s, d)}",
            lambda: f"{self.pick(KEYS)!r} in {e(DICT, s, d)}",
            lambda: f"not {e(BOOL, s, d)}",
            lambda: f"{e(BOOL, s, d)} and {e(BOOL, s, d)}",
            lambda: f"({e(BOOL, s, d)} or {e(BOOL, s, d)})",
            lambda: f"{self.pick(s.of(OPT))} is None" if s.of(OPT) else f"{e(INT, s, d)} != {e(INT, s, d)}",
            lambda: f"bool({e(self.pick([LIST, STR, DICT, INT]), s, d)})",
            lambda: f"any(x > {e(INT, s, 0)} for x in {e(LIST, s, d)})",
            lambda: f"{e(FLOAT, s, d)} > {e(INT, s, 0)}",
        ]
        return str(self.pick(forms)())

    def key_body(self, v: str, s: Scope) -> str:
        """The body of a key lambda over ints; it may read a variable of the orchestrator."""
        return self.pick_str(
            [f"-{v}", f"{v} % 3", f"abs({v} - {self.expr(INT, s, 0)})", f"({v} % 2, -{v})", f"str({v})"]
        )

    def max_key_of_dict(self, s: Scope) -> str:
        """`max(d, key=d.get)` needs d to be a name (read twice); ValueError when it is empty."""
        names = s.of(DICT)
        if not names:
            return f"max({self.expr(SLIST, s, 1)}, key=len, default='')"
        name = self.pick(names)
        default = f", default={self.expr(STR, s, 0)}" if self.chance(0.5) else ""
        return f"max({name}, key={name}.get{default})"

    def cond(self, s: Scope) -> str:
        """A condition as users write them: mostly comparisons, sometimes plain truthiness."""
        if self.chance(0.2):
            ty = self.pick([LIST, STR, DICT, OPT, INT])
            names = s.of(ty)
            if names:
                return self.pick_str(names)
        return self.expr_bool(s, 1)

    # -- statements ---------------------------------------------------------------------------

    def block(self, s: Scope, depth: int, size: int) -> list[str]:
        lines: list[str] = []
        for _ in range(size):
            if not s.in_branch and (s.in_main or s.in_child) and self.entity_rng.random() < ENTITY_CHANCE:
                lines += self.drawn_from(self.entity_rng, lambda: self.stmt_entity(s))
            if self.habit_rng.random() < HABIT_CHANCE:
                lines += self.drawn_from(self.habit_rng, lambda: self.stmt_habit(s))
            lines += self.statement(s, depth)
        return lines or ["pass"]

    def drawn_from(self, rng: random.Random, make: Callable[[], list[str]]) -> list[str]:
        """A statement drawn from a random stream of its own (see ENTITY_CHANCE, HABIT_CHANCE)."""
        main_rng, self.rng = self.rng, rng
        try:
            return make()
        finally:
            self.rng = main_rng

    def target(self, s: Scope, ty: str) -> str:
        """An existing variable of `ty` to overwrite, or a new one (added to the scope)."""
        existing = s.writable(ty)
        if existing and self.chance(0.4):
            return str(self.pick(existing))
        name = self.fresh({INT: "n", STR: "t", LIST: "xs", SLIST: "ws", DICT: "m", OPT: "o", FLOAT: "f"}[ty])
        return name

    def assign(self, s: Scope, name: str, ty: str) -> None:
        s.vars[name] = ty

    def statement(self, s: Scope, depth: int) -> list[str]:
        kinds: list[tuple[str, float]] = [
            ("assign", 4),
            ("activity", 3),
            ("augment", 1),
            ("append", 0.7),
            ("reorder", 0.3),
            ("status", 0 if s.in_branch else 0.8),  # a task_all branch cannot set it (DSF013)
            ("timer", 0.4),
        ]
        if s.in_main and not s.in_helper and not s.in_branch:
            kinds += [("event", 0.6)]
        if depth > 0:
            kinds += [
                ("if", 2),
                ("for", 1.2),
                ("while", 0.5),
                ("try", 1.6),
                ("fanout", 1.2),
                ("retry", 0.5),
                ("child", 0.5 if not s.in_helper else 0),
                ("raise", 0.4),
                ("group", 0.5),
            ]
        if s.in_loop:
            kinds += [("break", 0.4), ("continue", 0.4)]
        kinds += [("return", 0.3)]
        kind = self.rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]
        return list(getattr(self, f"stmt_{kind}")(s, depth))

    def stmt_assign(self, s: Scope, depth: int) -> list[str]:
        ty = self.pick([INT, INT, STR, STR, LIST, SLIST, DICT, OPT, FLOAT])
        value = self.expr(ty, s, 2)
        name = self.target(s, ty)
        self.assign(s, name, ty)
        return [f"{name} = {value}"]

    def stmt_augment(self, s: Scope, depth: int) -> list[str]:
        ints, texts = s.writable(INT), s.writable(STR)
        if ints and (not texts or self.chance(0.7)):
            return [f"{self.pick(ints)} {self.pick(['+=', '-=', '*='])} {self.expr(INT, s, 1)}"]
        if texts:
            return [f"{self.pick(texts)} += {self.expr(STR, s, 1)}"]
        return self.stmt_assign(s, depth)

    def stmt_append(self, s: Scope, depth: int) -> list[str]:
        lists = s.writable(LIST)
        if not lists:
            return self.stmt_assign(s, depth)
        name = self.pick(lists)
        if self.chance(0.05):  # often refused (DSF051): the other name is read later
            alias = self.fresh("xs")
            self.assign(s, alias, LIST)
            return [f"{alias} = {name}", f"{alias}.append({self.expr(INT, s, 1)})"]
        return [f"{name}.append({self.expr(INT, s, 1)})"]

    def stmt_reorder(self, s: Scope, depth: int) -> list[str]:
        """`xs.sort(...)` or `xs.reverse()` on a list variable (a list of strings too)."""
        lists = s.writable(LIST) + s.writable(SLIST)
        if not lists:
            return self.stmt_assign(s, depth)
        name = self.pick(lists)
        if self.chance(0.3):
            return [f"{name}.reverse()"]
        if s.vars[name] == LIST and self.chance(0.4):
            reverse = ", reverse=True" if self.chance(0.5) else ""
            return [f"{name}.sort(key=lambda v: {self.key_body('v', s)}{reverse})"]
        return [f"{name}.sort({self.pick(['', 'reverse=True'])})"]

    def activity_call(self, s: Scope) -> tuple[str, str]:
        """An activity call expression (without await) and the type of its result."""
        which = self.pick(["inc", "check", "check", "label", "total", "parse", "keys"])
        if which == "inc":
            arg_ty = INT if self.chance(0.93) else STR
            return f"ctx.call_activity(inc, {self.expr(arg_ty, s, 1)})", INT
        if which == "check":
            return f"ctx.call_activity(check, {self.expr(INT, s, 1)})", INT
        if which == "label":
            return f"ctx.call_activity(label, {self.expr(self.pick([INT, STR, LIST]), s, 1)})", STR
        if which == "total":
            return f"ctx.call_activity(total, {self.expr(LIST, s, 1)})", INT
        if which == "parse":
            return f"ctx.call_activity(parse, {self.expr(STR, s, 1)})", INT
        return f"ctx.call_activity(keys, {self.expr(DICT, s, 1)})", SLIST

    def stmt_activity(self, s: Scope, depth: int) -> list[str]:
        call, ty = self.activity_call(s)
        if self.chance(0.1):
            return [f"await {call}"]
        name = self.target(s, ty)
        self.assign(s, name, ty)
        return [f"{name} = await {call}"]

    def stmt_retry(self, s: Scope, depth: int) -> list[str]:
        call, ty = self.activity_call(s)
        fn, _, arg = call.removeprefix("ctx.call_activity(").partition(", ")
        seconds, attempts = self.rng.randint(1, 30), self.rng.randint(1, 4)
        name = self.target(s, ty)
        self.assign(s, name, ty)
        backoff = f", backoff_coefficient={self.pick(['1.0', '2.0', '1.5'])}" if self.chance(0.5) else ""
        return [
            f"{name} = await ctx.call_activity_with_retry(",
            f"    {fn}, RetryOptions(first_retry_interval=timedelta(seconds={seconds}), "
            f"max_number_of_attempts={attempts}{backoff}), {arg}",
        ]

    def stmt_status(self, s: Scope, depth: int) -> list[str]:
        ty = self.pick([STR, INT, DICT, LIST])
        if self.chance(0.3):
            return [f'ctx.set_custom_status({{"step": {self.expr(STR, s, 1)}, "n": {self.expr(INT, s, 1)}}})']
        return [f"ctx.set_custom_status({self.expr(ty, s, 1)})"]

    def stmt_timer(self, s: Scope, depth: int) -> list[str]:
        if self.chance(0.5):
            line = f"await ctx.create_timer(timedelta(minutes={self.rng.randint(1, 30)}))"
        else:
            line = f"await ctx.create_timer(ctx.current_utc_datetime + timedelta(seconds=abs({self.expr(INT, s, 1)})))"
        if self.chance(0.3):
            name = self.fresh("t")
            self.assign(s, name, STR)
            return [line, f"{name} = ctx.current_utc_datetime.isoformat()"]
        return [line]

    def stmt_event(self, s: Scope, depth: int) -> list[str]:
        """A wait for an external event: with a timeout inside `try/except TimeoutError`, or
        (outside loops, each name once) without one, for an event every input raises."""
        self.uses_events = True
        if not s.in_loop and not s.in_finally_try and self.chance(0.3):
            gate = f"Go{len(self.gates) + 1}"
            self.gates.append(gate)
            name = self.target(s, INT)
            self.assign(s, name, INT)
            return [f"{name} = await ctx.wait_for_external_event({gate!r})"]
        event = self.pick(list(EVENTS))
        ty = EVENTS[event]
        name = self.target(s, ty)
        timeout = self.pick(["minutes=1", "minutes=2", "minutes=5", "seconds=30", "hours=1"])
        lines = [
            "try:",
            f"    {name} = await ctx.wait_for_external_event({event!r}, timeout=timedelta({timeout}))",
            "except TimeoutError:",
            f"    {name} = {self.expr(ty, s, 1)}",
        ]
        self.assign(s, name, ty)
        return lines

    def stmt_habit(self, s: Scope) -> list[str]:
        """One Durable habit (see HABIT_CHANCE): a race in Main, an activity called without input
        or by name, or a log statement."""
        kinds = ["no input", "by name", "log", "log", "print"]
        if s.in_main and not s.in_helper and not s.in_branch:
            kinds += ["race", "race", "race"]
        if not s.in_branch:
            kinds += ["activity race"]
        return list(getattr(self, "habit_" + self.pick(kinds).replace(" ", "_"))(s))

    def habit_no_input(self, s: Scope) -> list[str]:
        name = self.target(s, DICT)
        self.assign(s, name, DICT)
        return [f"{name} = await ctx.call_activity(config)"]

    def habit_by_name(self, s: Scope) -> list[str]:
        name = self.target(s, INT)
        self.assign(s, name, INT)
        fn, ty = self.pick([("Inc", INT), ("Check", INT), ("Total", LIST)])
        return [f"{name} = await ctx.call_activity({fn!r}, {self.expr(ty, s, 1)})"]

    def log_argument(self, s: Scope) -> str:
        return self.expr(self.pick([INT, INT, STR, FLOAT, OPT]), s, 1)

    def habit_log(self, s: Scope) -> list[str]:
        call = self.pick(["logging.info", "logging.warning", "logger.info", "logger.error"])
        self.uses_logging = True
        if self.chance(0.5):
            count = self.rng.randint(1, 2)
            placeholders = " ".join(
                self.pick(["%s", "%s", "%r", "%d"]) if i == 0 else "%s" for i in range(count)
            )
            args = ", ".join(self.log_argument(s) if i else self.expr(INT, s, 1) for i in range(count))
            line = f"{call}({('step ' + placeholders)!r}, {args})"
        else:
            names = [n for n in s.vars if s.vars[n] in (INT, STR, FLOAT, OPT)]
            fields = " ".join(f"{{{n}}}" for n in self.rng.sample(names, min(len(names), 2)))
            line = f'{call}(f"at {fields}")'
        if self.chance(0.3):
            return ["if not ctx.is_replaying:", f"    {line}"]
        return [line]

    def habit_print(self, s: Scope) -> list[str]:
        args = ", ".join(self.log_argument(s) for _ in range(self.rng.randint(1, 2)))
        return [f"print('value', {args})"]

    def habit_race(self, s: Scope) -> list[str]:
        """An external event against a timer: the approval-with-deadline race."""
        self.uses_events = True
        self.races += 1
        vote, timer, winner = self.fresh("vote"), self.fresh("timer"), self.fresh("winner")
        minutes = self.rng.randint(1, 30)
        deadline = self.pick(
            [f"timedelta(minutes={minutes})", f"ctx.current_utc_datetime + timedelta(minutes={minutes})"]
        )
        tasks = [vote, timer] if self.chance(0.7) else [timer, vote]
        race = self.pick(["task_any", "task_any", "when_any"])
        name = self.target(s, INT)
        lines = [
            f"{vote} = ctx.wait_for_external_event({RACE_EVENT!r})",
            f"{timer} = ctx.create_timer({deadline})",
            f"{winner} = await ctx.{race}([{', '.join(tasks)}])",
        ]
        result = self.pick([f"{vote}.result", f"{vote}.get_result()", f"{winner}.result"])
        late = self.expr(INT, s, 1)
        if self.chance(0.5):
            lines += [f"if {winner} == {vote}:", f"    {timer}.cancel()", f"    {name} = {result}", "else:"]
            lines += [f"    {name} = {late}"]
        else:
            lines += [f"if {winner} == {timer}:", f"    {name} = {late}", "else:", f"    {name} = {result}"]
        if self.chance(0.3):
            flag = self.target(s, STR)
            lines.append(f"{flag} = str({vote}.is_completed) + str({timer}.is_completed)")
            self.assign(s, flag, STR)
        self.assign(s, name, INT)
        return lines

    def habit_activity_race(self, s: Scope) -> list[str]:
        """An activity against a deadline: the activity finishes first (activities take no time
        on the virtual clock), or fails the race with its own error."""
        call, ty = self.activity_call(s)
        work, timer, winner = self.fresh("work"), self.fresh("timer"), self.fresh("winner")
        name = self.target(s, ty)
        self.assign(s, name, ty)
        return [
            f"{work} = {call}",
            f"{timer} = ctx.create_timer(timedelta(minutes={self.rng.randint(1, 30)}))",
            f"{winner} = await ctx.task_any([{work}, {timer}])",
            f"if {winner} == {work}:",
            f"    {timer}.cancel()",
            f"    {name} = {work}.result",
            "else:",
            f"    {name} = {self.expr(ty, s, 1)}",
        ]

    def entity_key(self, s: Scope) -> str:
        """A key of ENTITY_KEYS: a literal, or computed (`x % 2` of an int is 0 or 1)."""
        if self.chance(0.6):
            return repr(self.pick(ENTITY_KEYS))
        return f'"k" + str(({self.expr(INT, s, 1)}) % 2)'

    def entity_input(self, op: str, s: Scope) -> str:
        if op == "add":
            return f", {self.expr(INT, s, 1)}"
        if op == "tag":
            return f", {self.expr(STR, s, 1)}"
        return ""

    def stmt_entity(self, s: Scope) -> list[str]:
        """Signals then a call to the module's entity, the result kept for later expressions;
        the id is written in place or held in a variable (`tally = EntityId(...)`)."""
        self.uses_entity = True
        lines: list[str] = []
        if self.chance(0.4):
            holder = self.fresh("tally")
            lines.append(f"{holder} = EntityId({ENTITY!r}, {self.entity_key(s)})")
            ids = [holder] * 4
        else:
            ids = [f"EntityId({ENTITY!r}, {self.entity_key(s)})" for _ in range(4)]
        for i in range(self.rng.randint(0, 2)):
            op = self.pick(["add", "add", "tag"])
            lines.append(f"ctx.signal_entity({ids[i]}, {op!r}{self.entity_input(op, s)})")
        op = self.pick(["add", "get", "get", "tag"])
        call = f"await ctx.call_entity({ids[3]}, {op!r}{self.entity_input(op, s)})"
        ty = ENTITY_OPS[op]
        name = self.target(s, ty)
        self.assign(s, name, ty)
        lines.append(f"{name} = {call}")
        return lines

    def entity_source(self) -> list[str]:
        """The module's entity: a total and a count (read by "get" as {"a": total, "b": count}) and
        the last tag. "add" raises on inputs over a limit (an error class of the module or a
        built-in); an error discards the operation's state changes."""
        r = self.entity_rng
        limit = r.randint(6, 15)
        error = r.choice(["TooLarge", "Rejected", "ValueError"])
        return [
            f'@entity(name={ENTITY!r}, operations=("add", "get", "tag"))',
            "def tally(ctx: EntityContext) -> None:",
            '    state = ctx.get_state(lambda: {"total": 0, "count": 0, "tag": ""})',
            "    op = ctx.operation_name",
            '    if op == "add":',
            "        amount = ctx.get_input()",
            '        state["count"] += 1',
            f"        if amount > {limit}:",
            f'            raise {error}(f"{{amount}} is over {limit}")',
            '        state["total"] += amount',
            "        ctx.set_state(state)",
            '        ctx.set_result(state["total"])',
            '    elif op == "get":',
            '        ctx.set_result({"a": state["total"], "b": state["count"]})',
            "    else:",
            '        state["tag"] = ctx.get_input()',
            "        ctx.set_state(state)",
            '        ctx.set_result(len(state["tag"]))',
        ]

    def stmt_group(self, s: Scope, depth: int) -> list[str]:
        """Grouping statements: `g.setdefault(k, []).append(v)` or `g[k].append(v)` in a loop,
        or `d[k] += v` on a dict of counts (KeyError when k is missing)."""
        dicts = s.writable(DICT)
        if dicts and self.chance(0.25):
            return [
                f"{self.pick(dicts)}[{self.pick(KEYS)!r}] {self.pick(['+=', '-='])} {self.expr(INT, s, 1)}"
            ]
        groups, item = self.fresh("g"), self.fresh("i")
        inner = s.child(in_loop=True)
        inner.vars[item] = INT
        inner.readonly.add(item)
        if self.chance(0.5):
            key = self.pick([f"str({item} % 3)", f"{item} > {self.rng.randint(0, 9)}", f"str({item})[0]"])
            if "> " in key:
                key = f'"big" if {key} else "small"'
            lines = [f"{groups} = {{}}", f"for {item} in {self.expr(LIST, s, 1)}:"]
            lines.append(f"    {groups}.setdefault({key}, []).append({item})")
        else:
            lines = [f'{groups} = {{"a": [], "b": []}}', f"for {item} in {self.expr(LIST, s, 1)}:"]
            key = self.pick([f'"a" if {item} % 2 == 0 else "b"', f"{self.pick(KEYS)!r}"])
            lines.append(f"    {groups}[{key}].append({item})")  # "c" is missing: KeyError
        if self.chance(0.5):
            lines += indent(self.block(inner, 0, 1))
        s.vars[groups] = GROUPS
        if self.chance(0.7):
            summary = self.target(s, DICT)
            fold = self.pick(["len(v)", "sum(v)", "max(v)", "min(v, default=-1)"])
            lines.append(f"{summary} = {{k: {fold} for k, v in {groups}.items()}}")
            self.assign(s, summary, DICT)
        return lines

    def stmt_if(self, s: Scope, depth: int) -> list[str]:
        lines = [f"if {self.cond(s)}:"]
        lines += indent(self.block(s.child(), depth - 1, self.rng.randint(1, 3)))
        for _ in range(self.rng.randint(0, 2)):
            lines.append(f"elif {self.cond(s)}:")
            lines += indent(self.block(s.child(), depth - 1, self.rng.randint(1, 2)))
        if self.chance(0.5):
            lines.append("else:")
            lines += indent(self.block(s.child(), depth - 1, self.rng.randint(1, 2)))
        return lines

    def stmt_for(self, s: Scope, depth: int) -> list[str]:
        inner = s.child(in_loop=True)
        if self.chance(0.25):
            var, source = self.fresh("w"), self.expr(SLIST, s, 1)
            inner.vars[var] = STR
        elif self.chance(0.15):
            k, v = self.fresh("k"), self.fresh("v")
            inner.vars[k], inner.vars[v] = STR, INT
            var, source = f"{k}, {v}", f"{self.expr(DICT, s, 1)}.items()"
        else:
            var, source = self.fresh("i"), self.expr(LIST, s, 1)
            inner.vars[var] = INT
        inner.readonly |= {name.strip() for name in var.split(",")}
        lines = [f"for {var} in {source}:"]
        lines += indent(self.block(inner, depth - 1, self.rng.randint(1, 3)))
        return lines

    def stmt_while(self, s: Scope, depth: int) -> list[str]:
        counter = self.fresh("c")
        inner = s.child(in_loop=True)
        inner.vars[counter] = INT
        inner.readonly.add(counter)
        limit = self.rng.randint(1, 4)
        cond = f"{counter} < {limit}"
        if self.chance(0.4):
            cond += f" and {self.cond(s)}"
        lines = [f"{counter} = 0", f"while {cond}:", f"    {counter} += 1"]
        lines += indent(self.block(inner, depth - 1, self.rng.randint(1, 3)))
        s.vars[counter] = INT
        return lines

    def stmt_break(self, s: Scope, depth: int) -> list[str]:
        return [f"if {self.cond(s)}:", "    break"]

    def stmt_continue(self, s: Scope, depth: int) -> list[str]:
        return [f"if {self.cond(s)}:", "    continue"]

    def stmt_return(self, s: Scope, depth: int) -> list[str]:
        return [f"if {self.cond(s)}:", f"    return {self.return_value(s)}"]

    def return_value(self, s: Scope) -> str:
        if s.returns == INT:
            return self.expr(INT, s, 1)
        names = [n for n in s.vars if n not in ("ctx",)]
        chosen = self.rng.sample(names, min(len(names), self.rng.randint(1, 4)))
        return "{" + ", ".join(f"{n!r}: {n}" for n in chosen) + "}"

    def stmt_raise(self, s: Scope, depth: int) -> list[str]:
        error = self.pick(["Rejected", "TooLarge", "ValueError", "KeyError"])
        message = self.pick([f'f"bad {{{self.expr(INT, s, 0)}}}"', repr(self.pick(TEXTS))])
        return [f"if {self.cond(s)}:", f"    raise {error}({message})"]

    def stmt_try(self, s: Scope, depth: int) -> list[str]:
        with_finally = self.chance(0.3)
        body_scope = s.child(in_finally_try=s.in_finally_try or with_finally)
        lines = ["try:", *indent(self.block(body_scope, depth - 1, self.rng.randint(1, 3)))]
        handlers = self.rng.sample(
            [
                "Rejected",
                "TooLarge",
                "ValueError",
                "KeyError",
                "(IndexError, KeyError)",
                "ZeroDivisionError",
                "TypeError",
                "LookupError",
                "Exception",
            ],
            self.rng.randint(0 if with_finally else 1, 2),
        )
        if "Exception" in handlers:  # a broader handler first would make the later one unreachable
            handlers.remove("Exception")
            handlers.append("Exception")
        for handler in handlers:
            inner = s.child(in_finally_try=s.in_finally_try or with_finally)
            if self.chance(0.6):
                name = self.fresh("e")
                lines.append(f"except {handler} as {name}:")
                msg = self.fresh("t")
                read = self.pick([f"str({name})", f'f"caught {{{name}}}"'])
                if handler in ("Rejected", "TooLarge") and self.chance(0.5):
                    read = self.pick([f"{name}.message", f"{name}.error"])
                body = [f"{msg} = {read}"]
                inner.vars[msg] = STR
                body += self.block(inner, depth - 1, self.rng.randint(0, 2))
            else:
                lines.append(f"except {handler}:")
                body = self.block(inner, depth - 1, self.rng.randint(1, 2))
            if self.chance(0.15):
                body.append("raise")
            lines += indent(body)
        if with_finally:
            lines.append("finally:")
            lines += indent(self.block(s.child(), 0, self.rng.randint(1, 2)))
        return lines

    def stmt_fanout(self, s: Scope, depth: int) -> list[str]:
        self.uses_task_all = True
        name = self.target(s, LIST)
        form = self.pick(["comprehension", "comprehension", "loop", "fixed", "helper"])
        fn = self.pick(["inc", "check"])
        items = self.expr(LIST, s, 1)
        extra = f", max_concurrency={self.rng.randint(1, 3)}" if self.chance(0.2) else ""
        if form == "comprehension":
            item = self.fresh("x")
            guard = f" if {item} > {self.rng.randint(-2, 5)}" if self.chance(0.3) else ""
            lines = [
                f"{name} = await ctx.task_all([ctx.call_activity({fn}, {item}) for {item} in {items}{guard}]{extra})"
            ]
        elif form == "loop":
            tasks, item = self.fresh("tasks"), self.fresh("x")
            lines = [f"{tasks} = []", f"for {item} in {items}:"]
            if self.chance(0.3):
                lines.append(f"    if {item} < {self.rng.randint(-2, 5)}:")
                lines.append("        continue")
            lines.append(f"    {tasks}.append(ctx.call_activity({fn}, {item} + {self.rng.randint(0, 3)}))")
            if fn == "check" and self.habit_rng.random() < 0.5:
                # Awaited in a try of its own, its failure handled (drawn from the habits' stream).
                handled = self.habit_rng.choice(["Rejected", "TooLarge", "(Rejected, ValueError)"])
                lines += [
                    "try:",
                    f"    {name} = await ctx.task_all({tasks})",
                    f"except {handled}:",
                    f"    {name} = []",
                ]
            else:
                lines.append(f"{name} = await ctx.task_all({tasks})")
        elif form == "fixed":
            calls = [self.activity_call(s) for _ in range(self.rng.randint(2, 3))]
            if any(ty != INT for _, ty in calls):
                calls = [(f"ctx.call_activity(inc, {self.expr(INT, s, 1)})", INT) for _ in calls]
            lines = [f"{name} = await ctx.task_all([{', '.join(c for c, _ in calls)}])"]
        else:
            helper, item = self.fresh("work"), self.fresh("item")
            hs = Scope(
                {item: INT, **{k: v for k, v in s.vars.items()}},
                readonly=set(s.vars) | {item},
                in_helper=True,
                in_branch=True,
                returns=INT,
            )
            body = self.block(hs, min(depth - 1, 1), self.rng.randint(1, 3))
            body.append(f"return {self.expr(INT, hs, 1)}")
            lines = [f"async def {helper}({item}):", *indent(body)]
            lines.append(f"{name} = await ctx.task_all([{helper}(x) for x in {items}]{extra})")
        self.assign(s, name, LIST)
        return lines

    def stmt_child(self, s: Scope, depth: int) -> list[str]:
        arg = self.expr(INT, s, 1)
        name = self.target(s, INT)
        self.assign(s, name, INT)
        return [f"{name} = await ctx.call_sub_orchestrator(child, {arg})"]

    # -- the module ---------------------------------------------------------------------------

    def child_source(self) -> list[str]:
        s = Scope({"n": INT}, returns=INT, in_helper=True, in_child=True)  # no recursion into itself
        body = self.block(s, 1, self.rng.randint(1, 3))
        return [
            '@orchestrator(name="Child")',
            "async def child(ctx: OrchestrationContext):",
            "    n = ctx.get_input()",
            *indent(body),
            f"    return {self.expr(INT, s, 1)}",
        ]

    def main_source(self) -> list[str]:
        s = Scope({"n": INT, "s": STR, "xs": LIST, "d": DICT, "flag": OPT}, in_main=True)
        body = self.block(s, self.rng.randint(1, 3), self.rng.randint(2, 7))
        return [
            '@orchestrator(name="Main")',
            "async def main(ctx: OrchestrationContext):",
            "    data = ctx.get_input()",
            '    n = data["n"]',
            '    s = data["s"]',
            '    xs = data["xs"]',
            '    d = data["d"]',
            '    flag = data.get("flag")',
            *indent(body),
            f"    return {self.return_value(s)}",
        ]

    def inputs(self) -> list[dict[str, Any]]:
        r = self.rng
        values: list[dict[str, Any]] = [
            {
                "n": r.randint(-5, 25),
                "s": self.pick(TEXTS),
                "xs": [r.randint(-3, 25) for _ in range(r.randint(0, 4))],
                "d": {k: r.randint(0, 9) for k in r.sample(KEYS, r.randint(0, 3))},
                "flag": self.pick([None, 0, 3]),
            }
            for _ in range(3)
        ]
        if self.uses_events:
            for value in values:
                value["events"] = self.events()
        return values

    def event_data(self, name: str) -> Any:
        if EVENTS.get(name) == STR:
            return self.pick(TEXTS)
        return self.rng.randint(-3, 25)

    def events(self) -> Any:
        """The events of one input: every gate, and some of the timed waits' events (none, one or
        two of a name), raised before the run or scheduled."""
        names = list(self.gates)
        for name in EVENTS:
            names += [name] * self.rng.randint(0, 3)
        votes = self.habit_rng.randint(0, 3) if self.races else 0
        if self.chance(0.3):
            before = {name: self.event_data(name) for name in names}  # one each, before the run
            if votes:
                before[RACE_EVENT] = self.habit_rng.randint(-3, 25)
            return before
        times = self.rng.sample(self.pick(EVENT_TIMES), len(names))
        scheduled: list[list[Any]] = [
            [name, self.event_data(name), at] for name, at in zip(names, times, strict=True)
        ]
        # Votes arrive half a second off the whole seconds every other event and timer uses.
        for at in self.habit_rng.sample(range(1, 2400, 2), votes):
            scheduled.append([RACE_EVENT, self.habit_rng.randint(-3, 25), at + 0.5])
        # Each event also gets a millisecond of its own. Every instant a run reaches is a whole (or
        # half) second after the last event that woke it, plus that event's millisecond, so a
        # timeout can never end on the instant another event arrives: that tie has no order that
        # both runners must share (a 30 s timeout begun at 53 s and an event at 83 s).
        for k, event in enumerate(scheduled):
            event[2] = round(event[2] + (k + 1) / 1000, 3)
        return scheduled

    def program(self) -> Program:
        child = self.child_source()
        main = self.main_source()
        entity = ""
        if self.uses_entity:  # only then: a module with an entity runs it on moto
            entity = ENTITY_IMPORTS + "\n".join(self.entity_source()) + "\n\n\n"
        header = LOGGING_IMPORTS + HEADER if self.uses_logging else HEADER
        source = header + "\n" + entity + "\n".join(child) + "\n\n\n" + "\n".join(main) + "\n"
        return Program(self.seed, source, self.inputs(), self.uses_task_all, self.uses_entity)


def indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


def program(seed: int) -> Program:
    """The program of `seed`: the same source and inputs every time."""
    return Generator(seed).program()
