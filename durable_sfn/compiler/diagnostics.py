"""Compile diagnostics: a stable code, a span, a message and a hint, collected and raised together.

Every code is documented in `CATALOGUE` with an example that compiles and one that does not; the
catalogue test compiles both, so the documentation cannot drift from the compiler.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    title: str
    ok: str  # an orchestrator body (indented 4) that compiles
    illegal: str  # the same idea written in a way that is rejected with this code


def _c(code: str, title: str, ok: str, illegal: str) -> Code:
    return Code(code, title, ok, illegal)


CATALOGUE: dict[str, Code] = {
    c.code: c
    for c in [
        _c("DSF000", "the source is not valid Python", "return 1", "return ("),
        _c(
            "DSF001",
            "statement not supported in an orchestrator",
            "for x in [1, 2]:\n    pass",
            "with open('f') as f:\n    pass",
        ),
        _c("DSF002", "expression not supported in an orchestrator", "x = [1, 2][0]", "x = {1, 2}"),
        _c(
            "DSF003",
            "non-deterministic call",
            "now = ctx.current_utc_datetime",
            "now = datetime.datetime.now()",
        ),
        _c("DSF004", "call to a function the compiler cannot translate", "x = len([1])", "x = print(1)"),
        _c(
            "DSF005",
            "await on something other than a ctx operation",
            "await ctx.create_timer(timedelta(seconds=1))",
            "await asyncio.sleep(1)",
        ),
        _c("DSF006", "reserved variable name", "status = 1", "customStatus = 1"),
        _c(
            "DSF007",
            "decorated nested function",
            "def helper(x):\n    return x\nr = helper(1)",
            "@staticmethod\ndef helper(x):\n    return x\nr = helper(1)",
        ),
        _c(
            "DSF008",
            "lambda is not supported, except as a key function of one parameter",
            "xs = sorted([{'n': 2}, {'n': 1}], key=lambda x: x['n'])",
            "f = lambda x: x",
        ),
        _c("DSF009", "global and nonlocal are not supported", "x = 1", "global x"),
        _c(
            "DSF011",
            "activity or orchestrator cannot be resolved to a name",
            "r = await ctx.call_activity('ValidateOrderActivity', 1)",
            "r = await ctx.call_activity(activities[0], 1)",
        ),
        _c(
            "DSF012",
            "task_all needs a list of ctx calls or a comprehension over one",
            "r = await ctx.task_all([ctx.call_activity('A', 1), ctx.call_activity('B', 2)])",
            "r = await ctx.task_all(make_tasks())",
        ),
        _c(
            "DSF013",
            "a task_all branch cannot change the orchestrator's variables or custom status",
            "async def b(x):\n    return x\nr = await ctx.task_all([b(i) for i in [1]])",
            "async def b(x):\n    ctx.set_custom_status('in branch')\n    return x\nr = await ctx.task_all([b(i) for i in [1]])",
        ),
        _c(
            "DSF014",
            "wrong arguments to a ctx operation",
            "await ctx.call_activity('A', 1)",
            "await ctx.call_activity('A', 1, 2, 3)",
        ),
        _c("DSF015", "break or continue outside a loop", "while True:\n    break", "break"),
        _c(
            "DSF016",
            "await inside an expression",
            "r = await ctx.call_activity('A', 1)\nx = r + 1",
            "x = (await ctx.call_activity('A', 1)) + 1",
        ),
        _c(
            "DSF018",
            "import inside an orchestrator",
            "x = 1",
            "import os",
        ),
        _c(
            "DSF019",
            "unsupported exception handler or raise",
            "try:\n    await ctx.call_activity('A', 1)\nexcept ValueError as e:\n    raise",
            "raise ValueError('a', 'b')",
        ),
        _c(
            "DSF021",
            "RetryOptions must be written out where it is used",
            "await ctx.call_activity_with_retry('A', RetryOptions(timedelta(seconds=5), 3), 1)",
            "await ctx.call_activity_with_retry('A', options, 1)",
        ),
        _c(
            "DSF022",
            "unsupported assignment target",
            "a, b = 1, 2",
            "a, b.c = ctx.get_input()",
        ),
        _c(
            "DSF023",
            "statement after continue_as_new or return is unreachable",
            "ctx.continue_as_new(1)\nreturn",
            "ctx.continue_as_new(1)\nx = 1",
        ),
        _c(
            "DSF024",
            "create_timer needs a datetime or a timedelta",
            "await ctx.create_timer(ctx.current_utc_datetime + timedelta(hours=1))",
            "await ctx.create_timer(3600)",
        ),
        _c(
            "DSF025",
            "attribute access on a value that is not typed data (use x['key'], or declare its class)",
            "d = {'k': 1}\nv = d['k']",
            "d = {'k': 1}\nv = d.k",
        ),
        _c(
            "DSF027",
            "an entity is named by EntityId with a literal name, and its operation by a literal",
            "n = await ctx.call_entity(EntityId('Counter', 'k'), 'add', 1)",
            "name = 'Counter'\nn = await ctx.call_entity(EntityId(name, 'k'), 'add', 1)",
        ),
        _c(
            "DSF041",
            "log call the compiler cannot translate",
            "import logging\nlogging.info('charged %s for %.2f', 'order-1', 9.5)",
            "import logging\nlogging.info('charged %5.2f', 9.5)",
        ),
        _c(
            "DSF042",
            "a loop that builds a task list may only compute values and append one task per item",
            "tasks = []\nfor x in [1, 2]:\n    tasks.append(ctx.call_activity('A', x))\nr = await ctx.task_all(tasks)",
            "tasks = []\nfor x in [1, 2]:\n    y = await ctx.call_activity('B', x)\n"
            "    tasks.append(ctx.call_activity('A', y))\nr = await ctx.task_all(tasks)",
        ),
        _c(
            "DSF043",
            "helper function that cannot be compiled in place",
            "def double(x):\n    return x * 2\ny = double(2)",
            "def fact(n):\n    return 1 if n <= 1 else n * fact(n - 1)\ny = fact(3)",
        ),
        _c(
            "DSF028",
            "a task must be awaited once, in the block that creates it (after task_any: ==, .result, "
            ".get_result(), .is_completed, .cancel())",
            "t = ctx.call_activity('A', 1)\nr = await t\nreturn r['Id']",
            "t = ctx.call_activity('A', 1)\nreturn t['Id']",
        ),
        _c(
            "DSF050",
            "an integer literal beyond 2**53 (a JSON number cannot hold it exactly)",
            "n = 9007199254740991",
            "n = 9007199254740993",
        ),
        _c(
            "DSF051",
            "a list or dict is changed in place while another name refers to it",
            "a = [1]\nb = list(a)\nb.append(2)\nreturn [a, b]",
            "a = [1]\nb = a\nb.append(2)\nreturn [a, b]",
        ),
        _c(
            "DSF031",
            "an expression nested too deeply to compile",
            "x = ((1 + 2) * 3)",
            "x = " + "(" * 300 + "1" + ")" * 300,
        ),
        _c(
            "DSF032",
            "the definition would be refused by Step Functions (a limit or range of the service)",
            "return 99999999999",
            "return " + "9" * 400,  # no JSON number (a double) holds it
        ),
        _c(
            "DSF052",
            "str() or an f-string of a list or dict (Python's repr)",
            "names = ['a', 'b']\nreturn f\"names: {', '.join(names)}\"",
            "names = ['a', 'b']\nreturn f\"names: {names}\"",
        ),
        _c(
            "DSF060",
            "os.environ read other than one variable by a literal name (a deploy-time value)",
            'bucket = os.environ["ORDERS_BUCKET"]\nreturn os.environ.get("MODE", "standard") + bucket',
            "name = ctx.get_input()\nreturn os.environ[name]",
        ),
        _c(
            "DSF029",
            "a task's arguments must not change between its creation and its await",
            "x = 1\nt = ctx.call_activity('A', x)\nr = await t\nx = 2",
            "x = 1\nt = ctx.call_activity('A', x)\nx = 2\nr = await t",
        ),
    ]
}


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    file: str
    line: int
    col: int  # 0-based, as in `ast`
    hint: str = ""
    source_line: str = ""

    def header(self) -> str:
        """`file.py:LINE:COL: message` (COL 1-based, like compilers and editors expect)."""
        return f"{self.file}:{self.line}:{self.col + 1}: {self.code} {self.message}"

    def render(self) -> str:
        """Like a SyntaxError: the location, the source line, a caret under the column, a hint."""
        lines = [self.header()]
        if self.source_line:
            stripped = self.source_line.rstrip("\n")
            indent = len(stripped) - len(stripped.lstrip())
            lines.append("    " + stripped.strip())
            lines.append("    " + " " * max(0, self.col - indent) + "^")
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)


# Hints for statement kinds the frontend has no visitor for (it fails closed on them).
STATEMENT_HINTS = {
    "With": "move resource handling into an activity",
    "AsyncWith": "move resource handling into an activity",
    "AsyncFor": "use ctx.task_all for concurrency, or a plain for loop",
    "Delete": "assign a new value instead",
    "Match": "use if / elif / else",
    "Assert": "use if ...: raise SomeError('...')",
    "ClassDef": "define classes at module level and use them in activities",
    "TryStar": "use try / except",
}


class CompileError(Exception):
    """The orchestrator cannot be compiled; `diagnostics` lists every problem found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=lambda d: (d.file, d.line, d.col, d.code))
        super().__init__("\n".join(d.render() for d in self.diagnostics))


class DiagnosticSink:
    """Collects diagnostics for one source file, so one run reports every problem at once."""

    def __init__(self, file: str, source: str) -> None:
        self.file = file
        self.lines = source.splitlines()
        self.items: list[Diagnostic] = []

    def report(self, code: str, message: str, line: int, col: int, hint: str = "") -> None:
        assert code in CATALOGUE, code
        source_line = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        self.items.append(Diagnostic(code, message, self.file, line, col, hint, source_line))

    def raise_if_any(self) -> None:
        if self.items:
            raise CompileError(self.items)
