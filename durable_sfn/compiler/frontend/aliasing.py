"""Changing a list or dict in place while another name can still see it is refused (DSF051).

In Python, `b = a` makes `b` another name for the same list, so `b.append(v)` changes what `a`
shows too. In a definition every variable holds its own JSON value: the compiled `b.append(v)`
changes `b` only. The same sharing comes from a list taken out of another value (`row =
table[0]`, `for row in table`), a list put into another value (`rows = [row]`,
`out.append(row)`, `d["k"] = row`), the orchestration input read twice (`ctx.get_input()`
returns the same object each time) and parameters of helpers and branches (the caller's values).

A mutation (`x.append/extend/update(...)`, `x[k] = v`, `x += [...]`) is refused when a name that
shares `x` through such a link made before it (earlier in the source, or in a loop around both,
whose next round comes later) is read after it. So the usual `results.append(x)` in a loop
followed by `return {"results": results}` is fine: the link is made after the last change. The
check follows the source, not the values, so it may refuse code that happens to be safe; the hint
says how to copy, which is always exact.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from durable_sfn.compiler.diagnostics import DiagnosticSink

MUTATORS = frozenset({"append", "extend", "update", "sort", "reverse"})
HINT = "copy it first (list(x), dict(x), x.copy()), or build a new value instead of changing this one"
CALLER = "<caller>"  # a parameter's value belongs to the caller, who may read it any time
INPUT = "<input>"  # the object ctx.get_input() returns
RETURNED = "<returned"  # "<returned LINE:COL>": a value returned out of a try ... finally

Function = ast.FunctionDef | ast.AsyncFunctionDef
Position = tuple[int, int]


@dataclass(frozen=True)
class _At:
    position: Position
    loops: tuple[int, ...]  # ids of the loops around it, outermost first
    # The blocks around it that may not run, outermost first: (id of the if, try or loop, which
    # of its blocks). A name bound anew there ends a link only for what that block encloses.
    context: tuple[tuple[int, str], ...] = ()

    def before(self, other: _At) -> bool:
        """Whether this can happen before `other`: earlier, or in a loop around both."""
        return self.position < other.position or bool(set(self.loops) & set(other.loops))


@dataclass
class _Facts:
    # (a, b, kind, when): "same" (a and b name one value) or "part" (a's value is inside b's).
    links: list[tuple[str, str, str, _At]] = field(default_factory=list)
    reads: dict[str, list[_At]] = field(default_factory=dict)
    # (name, node, when, deep): deep when an item of the value is changed (`d["k"].append(x)`).
    mutations: list[tuple[str, ast.AST, _At, bool]] = field(default_factory=list)
    assignments: dict[str, list[_At]] = field(default_factory=dict)  # a name bound to a new value
    # `x += y`, `x *= n`, `d[k] += y`: a change in place only when x (the item) holds a list at
    # run time; deep for an item.
    maybe_mutations: list[tuple[str, ast.AugAssign, _At, bool]] = field(default_factory=list)
    # (name, node): a change of the list or dict a `for` loop around it goes over.
    loop_mutations: list[tuple[str, ast.AST]] = field(default_factory=list)

    def link(self, a: str, b: str, at: _At, kind: str = "same") -> None:
        if a != b:
            self.links.append((a, b, kind, at))

    def read(self, name: str, at: _At) -> None:
        self.reads.setdefault(name, []).append(at)


def check(
    fn: Function,
    sink: DiagnosticSink,
    shared: frozenset[str] = frozenset(),
    ctx: str = "ctx",
    input_parameter: str | None = None,
) -> None:
    """Report each mutation in `fn` (not in its nested functions) of a value another name can
    still see; `shared` names (parameters) refer to values the caller also holds, and
    `input_parameter` to the object ctx.get_input() returns."""
    facts = _facts(fn, shared, ctx, input_parameter)
    reported: set[int] = set()
    for name, node in facts.loop_mutations:
        reported.add(id(node))
        sink.report(
            "DSF051",
            f"'{name}' is changed in place inside a loop over it: Python's loop sees the change (and "
            "a loop over a dict fails), a compiled loop goes over the items it started with",
            getattr(node, "lineno", 0),
            getattr(node, "col_offset", 0),
            f"loop over a copy (for x in list({name})), or collect the changes in another list",
        )
    for name, node, at, deep in facts.mutations:
        other = _observer(facts, name, at, deep) if id(node) not in reported else None
        if other is not None:
            who = (
                "the caller's value"
                if other == CALLER
                else "the orchestration input"
                if other == INPUT
                else f"'{other}'"
            )
            message = (
                f"'{name}' is changed in place here while {who} refers to the same value and is read "
                "later: in Python the change shows there too, in a compiled run it does not"
            )
            if other.startswith(RETURNED):
                line = other.split()[1].split(":")[0]
                message = (
                    f"'{name}' is changed in place here, after the return at line {line} took it into its "
                    "value (the finally block runs before the function returns): Python's result "
                    "shows the change, a compiled run's does not"
                )
            sink.report(
                "DSF051",
                message,
                getattr(node, "lineno", 0),
                getattr(node, "col_offset", 0),
                HINT,
            )


def mark_shared_augmented(
    fn: Function, shared: frozenset[str] = frozenset(), ctx: str = "ctx", input_parameter: str | None = None
) -> None:
    """Mark (`list_shared`) each `x += y` / `x *= n` in `fn` that would change a list another name
    reads later, if x holds a list when it runs: compiled, it fails for a list, since the compiler
    cannot tell a list from a number there and the other name's copy would not change."""
    facts = _facts(fn, shared, ctx, input_parameter)
    for name, node, at, deep in facts.maybe_mutations:
        if _observer(facts, name, at, deep):
            node.list_shared = True  # type: ignore[attr-defined]


def _facts(fn: Function, shared: frozenset[str], ctx: str, input_parameter: str | None) -> _Facts:
    facts = _Facts()
    start = _At((fn.lineno, -1), ())
    for name in shared:
        facts.link(name, CALLER, start)
    if input_parameter:
        facts.link(input_parameter, INPUT, start)
    _Walker(facts, ctx).block(fn.body, ())
    return facts


def _live(facts: _Facts, name: str, link_at: _At, at: _At) -> bool:
    """Whether a link of `name` made at `link_at` still holds at `at`: `name` is not bound anew
    in between (on the straight path, or at the top of the loop that carries the link round)."""
    for bound in facts.assignments.get(name, []):
        if not bound.position < at.position or not _encloses(bound, at):
            continue  # later, or in a branch (a loop body, a handler) the path to `at` may skip
        if link_at.position < bound.position:
            return False
        carried = link_at.position >= at.position
        if carried and set(bound.loops) & set(at.loops) & set(link_at.loops):
            return False
    return True


def _encloses(bound: _At, at: _At) -> bool:
    """Whether every path to `at` runs the block `bound` is in (its blocks enclose `at` too)."""
    return at.context[: len(bound.context)] == bound.context


def _observer(facts: _Facts, name: str, at: _At, deep: bool) -> str | None:
    """A name that sees the change of `name` at `at` (through links made before it) and is read
    after it: another name for the value, a value that holds it, and for a change of an item
    (`deep`) also a name for an item."""
    group = {name}
    grew = True
    while grew:
        grew = False
        for a, b, kind, link_at in facts.links:
            if not link_at.before(at) or not (_live(facts, a, link_at, at) and _live(facts, b, link_at, at)):
                continue
            if (kind == "same" and (a in group) != (b in group)) or (
                kind == "part"
                and ((a in group and b not in group) or (deep and b in group and a not in group))
            ):
                group |= {a, b}
                grew = True
    for other in sorted(group - {name}):
        if other == CALLER or any(at.before(read) for read in facts.reads.get(other, [])):
            return other
    return None


def _nodes(node: ast.AST) -> Iterator[ast.AST]:
    """`node` and everything under it, not entering nested functions; lambdas are entered, since
    the only compiled one, a key function, reads its names during the call it is passed to."""
    stack: list[ast.AST] = [node]
    while stack:
        current = stack.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                stack.append(child)


def _root(node: ast.expr) -> str | None:
    """The variable a value is taken out of: `d` for `d`, `d["k"][0]`, `d.items()`."""
    while True:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node = node.func.value  # d.items(), d.values(), xs.copy() is fresh but harmless here
        elif isinstance(node, ast.Attribute):
            node = node.value
        else:
            return None


def _sources(value: ast.expr) -> Iterator[ast.expr]:
    """The parts of `value` an assigned name would share: a name, an item, either branch of a
    conditional, either operand of and/or."""
    if isinstance(value, ast.Name | ast.Subscript | ast.Attribute):
        yield value
    elif _item_call(value):
        yield value  # `d.get(k)`, `d.setdefault(k, [])`: an item of d
    elif isinstance(value, ast.IfExp):
        yield from _sources(value.body)
        yield from _sources(value.orelse)
    elif isinstance(value, ast.BoolOp):
        for v in value.values:
            yield from _sources(v)


def _item_call(node: ast.expr) -> bool:
    """`d.get(...)` or `d.setdefault(...)`: a call that returns an item of d itself."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("get", "setdefault")
        and isinstance(node.func.value, ast.Name | ast.Subscript)
    )


def _setdefault(node: ast.expr) -> ast.Call | None:
    """`node` when it is `d.setdefault(...)` (which may add its default to d)."""
    if _item_call(node) and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node if node.func.attr == "setdefault" else None
    return None


def _defaults(node: ast.expr) -> Iterator[ast.expr]:
    """The parts of the default of `d.get(k, dflt)` / `d.setdefault(k, dflt)` that the call may return."""
    if _item_call(node) and isinstance(node, ast.Call) and len(node.args) == 2:
        yield from _sources(node.args[1])


def _stored(value: ast.expr) -> Iterator[ast.expr]:
    """The parts of `value` that end up inside a new list or dict (`[x]`, `{"k": x}`,
    `[x for _ in ys]`); calls, awaits and operators make new values (an activity's argument is
    sent as JSON), so the search stops there."""
    elements: list[ast.expr] = []
    if isinstance(value, ast.List | ast.Tuple | ast.Set):
        elements = list(value.elts)
    elif isinstance(value, ast.Dict):
        # `{**d}` copies d's items into a new dict: d's items are shared, d itself is not.
        elements = [
            v if k is not None else ast.Subscript(value=v, slice=ast.Constant(""))
            for k, v in zip(value.keys, value.values, strict=True)
        ]
    elif isinstance(value, ast.ListComp | ast.SetComp):
        elements = [value.elt]
    elif isinstance(value, ast.DictComp):
        elements = [value.value]
    elif isinstance(value, ast.IfExp):
        elements = [value.body, value.orelse]
    elif isinstance(value, ast.BoolOp):
        elements = list(value.values)
    for element in elements:
        if isinstance(element, ast.Name | ast.Subscript):
            yield element
        else:
            yield from _stored(element)


def _iterated(node: ast.expr) -> str | None:
    """The variable whose own list or dict a `for` loop over `node` goes over as it changes:
    `xs`, `d.items()`, `enumerate(xs)`, `zip(xs, ys)`, `reversed(xs)` (not a copy like `list(xs)`
    or `sorted(xs)`)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call) and all(
        kw.arg == "start" for kw in node.keywords
    ):  # enumerate(xs, start=1)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("items", "keys", "values") and not node.args:
            return func.value.id if isinstance(func.value, ast.Name) else None
        if isinstance(func, ast.Name) and func.id in ("enumerate", "reversed", "zip") and node.args:
            return next((n for n in map(_iterated, node.args) if n is not None), None)
    return None


def _dict_key(loop: ast.For | ast.AsyncFor) -> str | None:
    """The name a loop over `d.items()` or `d.keys()` binds to each key."""
    call = loop.iter
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
        return None
    if call.func.attr not in ("items", "keys"):
        return None
    target = loop.target
    first = target.elts[0] if isinstance(target, ast.Tuple | ast.List) and target.elts else target
    return first.id if isinstance(first, ast.Name) else None


class _Walker:
    def __init__(self, facts: _Facts, ctx: str) -> None:
        self.facts = facts
        self.ctx = ctx
        self.items = 0  # the values taken out of others and stored in new ones, named "<item N>"
        # The variables the loops around the statement go over, each with the name of the key a
        # loop over `d.items()` / `d.keys()` binds (setting that key's value changes no size).
        self.iterating: list[tuple[str, str | None]] = []
        self.context: tuple[tuple[int, str], ...] = ()  # see _At.context

    def at(self, node: ast.AST, loops: tuple[int, ...]) -> _At:
        return _At((getattr(node, "lineno", 0), getattr(node, "col_offset", 0)), loops, self.context)

    def branch(self, owner: ast.stmt, part: str, body: list[ast.stmt], loops: tuple[int, ...]) -> None:
        """Walk a block that may not run (`part` of `owner`)."""
        saved = self.context
        self.context = (*saved, (id(owner), part))
        try:
            self.block(body, loops)
        finally:
            self.context = saved

    def block(self, body: list[ast.stmt], loops: tuple[int, ...]) -> None:
        for stmt in body:
            self.stmt(stmt, loops)

    def reads(self, node: ast.AST, loops: tuple[int, ...]) -> None:
        for sub in _nodes(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                self.facts.read(sub.id, self.at(sub, loops))
            elif self._is_get_input(sub):
                self.facts.read(INPUT, self.at(sub, loops))

    def _is_get_input(self, node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get_input"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == self.ctx
        )

    def assigned(self, names: list[str], value: ast.expr, at: _At) -> None:
        """`names = value`: the names share what `value` takes out of other values."""
        for name in names:
            self.facts.assignments.setdefault(name, []).append(at)
            if self._is_get_input(value):
                self.facts.link(name, INPUT, at)
            for source in _sources(value):
                root = _root(source)
                if root is not None:
                    self.facts.link(name, root, at, "same" if isinstance(source, ast.Name) else "part")
                for default in _defaults(source):  # `d.get(k, dflt)` may be dflt itself
                    root = _root(default)
                    if root is not None:
                        self.facts.link(name, root, at, "same" if isinstance(default, ast.Name) else "part")
        self.stored_into(names, value, at)

    def stored_into(self, containers: list[str], value: ast.expr, at: _At) -> None:
        """`value` is put inside the values named `containers`. A name puts its own value there;
        an item (`xs[0]`, the items `{**d}` copies) puts a value that `xs` and the container then
        both hold, so only a change inside that item shows in both (`xs.append(v)` does not)."""
        for container in containers:
            for part in _stored(value):
                root = _root(part)
                if root is None:
                    continue
                if isinstance(part, ast.Name):
                    self.facts.link(root, container, at, "part")
                else:
                    self.items += 1
                    item = f"<item {self.items}>"
                    self.facts.link(item, root, at, "part")
                    self.facts.link(item, container, at, "part")

    def mutated(
        self, name: str, node: ast.AST, loops: tuple[int, ...], deep: bool = False, at: _At | None = None
    ) -> None:
        self.facts.mutations.append((name, node, at or self.at(node, loops), deep))
        if self._iterated_now(name, node):
            self.facts.loop_mutations.append((name, node))

    def _iterated_now(self, name: str, node: ast.AST) -> bool:
        for iterated, key in self.iterating:
            if iterated != name:
                continue
            own_key = (
                isinstance(node, ast.Subscript)
                and isinstance(node.value, ast.Name)
                and isinstance(node.slice, ast.Name)
                and node.slice.id == key
            )
            if not own_key:
                return True
        return False

    def stmt(self, stmt: ast.stmt, loops: tuple[int, ...]) -> None:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return
        at = self.at(stmt, loops)
        if isinstance(stmt, ast.For | ast.AsyncFor | ast.While):
            inner = (*loops, id(stmt))
            outer_context = self.context
            if isinstance(stmt, ast.For | ast.AsyncFor):
                self.reads(stmt.iter, loops)
                root = _root(stmt.iter)
                self.context = (*outer_context, (id(stmt), "body"))  # the target: bound per item
                for name in _target_names(stmt.target):
                    self.facts.assignments.setdefault(name, []).append(self.at(stmt, inner))
                    if root is not None:
                        self.facts.link(name, root, self.at(stmt, inner), "part")
                self.context = outer_context
            else:
                self.reads(stmt.test, inner)
            iterated, key = None, None
            if isinstance(stmt, ast.For | ast.AsyncFor):
                iterated, key = _iterated(stmt.iter), _dict_key(stmt)
            self.iterating.append((iterated or "", key))
            self.branch(stmt, "body", stmt.body, inner)
            self.iterating.pop()
            self.branch(stmt, "orelse", stmt.orelse, loops)
            return
        if isinstance(stmt, ast.Assign | ast.AnnAssign):
            value = stmt.value
            if value is None:
                return
            self.reads(value, loops)
            self.setdefault(value, stmt, loops)
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if isinstance(target, ast.Subscript):
                    self.reads(target, loops)
                    root = _root(target.value)
                    if root is not None:
                        self.mutated(root, target, loops, deep=not isinstance(target.value, ast.Name))
                        self.stored_into([root], ast.List(elts=[value], ctx=ast.Load()), at)
                elif isinstance(target, ast.Tuple | ast.List):
                    names = _target_names(target)
                    self.assigned(
                        names, ast.Subscript(value=value, slice=ast.Constant(0), ctx=ast.Load()), at
                    )
                else:
                    self.assigned(_target_names(target), value, at)
            return
        if isinstance(stmt, ast.AugAssign):
            self.reads(stmt.value, loops)
            if isinstance(stmt.target, ast.Subscript):
                self.item_augmented(stmt, stmt.target, loops)
            elif isinstance(stmt.target, ast.Name) and isinstance(stmt.op, ast.Add | ast.Mult):
                if isinstance(stmt.value, ast.List | ast.ListComp | ast.Tuple):
                    self.mutated(stmt.target.id, stmt, loops)  # list += [...] extends in place
                    self.stored_into([stmt.target.id], stmt.value, at)
                else:
                    # A list when the value is one at run time (a number or a string is not changed).
                    self.facts.maybe_mutations.append((stmt.target.id, stmt, at, False))
                    if self._iterated_now(stmt.target.id, stmt):
                        self.facts.loop_mutations.append((stmt.target.id, stmt))
            return
        if isinstance(stmt, ast.Expr):
            call = stmt.value.value if isinstance(stmt.value, ast.Await) else stmt.value
            if isinstance(call, ast.Call) and self.setdefault(call, stmt, loops):
                return
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr in MUTATORS
                and (isinstance(call.func.value, ast.Name | ast.Subscript) or _setdefault(call.func.value))
            ):
                for arg in call.args:
                    self.reads(arg, loops)
                if not isinstance(call.func.value, ast.Name):  # the key of d[k], setdefault's arguments
                    self.reads(call.func.value, loops)
                    self.setdefault(call.func.value, stmt, loops)
                root = _root(call.func.value)
                if root is not None:
                    self.mutated(root, stmt, loops, deep=not isinstance(call.func.value, ast.Name))
                    if call.func.attr == "append":
                        self.stored_into([root], ast.List(elts=list(call.args), ctx=ast.Load()), at)
                return
            self.reads(stmt.value, loops)
            return
        if isinstance(stmt, ast.Try) and stmt.finalbody:
            self.returned_through_finally(stmt)
        # Other statements: their expressions are read, their blocks walked.
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.expr):
                self.reads(child, loops)
        conditional = isinstance(stmt, ast.If | ast.Try)  # a `with` body always runs
        for name in ("body", "orelse", "finalbody"):
            block = getattr(stmt, name, None)
            if isinstance(block, list):
                if conditional:
                    self.branch(stmt, name, block, loops)
                else:
                    self.block(block, loops)
        for i, handler in enumerate(getattr(stmt, "handlers", [])):
            self.branch(stmt, f"handler {i}", handler.body, loops)

    def returned_through_finally(self, stmt: ast.Try) -> None:
        """A value returned out of the try is taken when the `return` runs and handed back after
        the finally block: a change the finally block makes to a list or dict inside it shows in
        Python's result, not in the compiled one, which holds its own copy."""
        parts = [*stmt.body, *stmt.orelse, *(s for h in stmt.handlers for s in h.body)]
        first = stmt.finalbody[0]
        # Only the finally block runs between the return and the caller: the value is linked
        # where that block starts and read where it ends (no loops: a change in an earlier
        # round, or later in the try, is not after the return).
        start = _At((first.lineno, first.col_offset - 1), ())
        end = _At((stmt.end_lineno or stmt.lineno, (stmt.end_col_offset or 0) + 1), ())
        for node in (n for part in parts for n in _nodes(part)):
            if isinstance(node, ast.Return) and node.value is not None:
                name = f"{RETURNED} {node.lineno}:{node.col_offset}>"
                self.assigned([name], node.value, start)
                self.facts.read(name, end)

    def item_augmented(self, stmt: ast.AugAssign, target: ast.Subscript, loops: tuple[int, ...]) -> None:
        """`d[k] += y`: the item is replaced (as by `d[k] = ...`), and a list item is extended in
        place first, a change of the item itself (certain for `+= [...]`, else when it is a list)."""
        self.reads(target, loops)
        root = _root(target.value)
        if root is None:
            return
        self.mutated(root, target, loops, deep=not isinstance(target.value, ast.Name))
        if not isinstance(stmt.op, ast.Add | ast.Mult):
            return
        # The item changes after the value is evaluated: the statement's own reads come before.
        end = _At((stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0), loops, self.context)
        if isinstance(stmt.value, ast.List | ast.ListComp | ast.Tuple):
            self.mutated(root, stmt, loops, deep=True, at=end)
            self.stored_into([root], stmt.value, end)
        else:
            self.facts.maybe_mutations.append((root, stmt, end, True))

    def setdefault(self, value: ast.expr, node: ast.AST, loops: tuple[int, ...]) -> bool:
        """`d.setdefault(k, dflt)` changes d (adds dflt, which d then holds); whether it is one."""
        call = _setdefault(value)
        if call is None:
            return False
        self.reads(call, loops)
        assert isinstance(call.func, ast.Attribute)
        root = _root(call.func.value)
        if root is not None:
            self.mutated(root, node, loops, deep=not isinstance(call.func.value, ast.Name))
            # The default is in d before the statement changes anything else
            # (`d.setdefault(k, base).append(v)` changes base).
            at = self.at(node, loops)
            before = _At((at.position[0], at.position[1] - 1), loops, self.context)
            self.stored_into([root], ast.List(elts=list(call.args[1:]), ctx=ast.Load()), before)
        return True


def _target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [n for elt in target.elts for n in _target_names(elt)]
    return []
