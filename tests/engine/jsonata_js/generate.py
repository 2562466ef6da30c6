"""Random small orchestrators, whose compiled JSONata is what the differential harness feeds.

`OrchestratorGenerator(seed)` writes Python orchestrator sources from a grammar of the
constructs the compiler supports: arithmetic, comparisons, boolean operators, conditional
expressions, strings and their methods, f-strings with format specs, lists, dicts,
comprehensions, the builtins (len, sum, min, max, any, all, sorted, round, int, float, str,
bool, abs, range), `in`, `is None`, `.get`, indexing, and the statements around them (if, for,
while, activity calls and their results, custom status, try/except). Operands are read from
the execution input, so their values vary per evaluation; names tell their intended type
(`n*` numbers, `s*` strings, `xs*` lists of numbers, `ts*` lists of strings, `d*` objects,
`b*` booleans, `u*` anything), which `bindings.py` follows when it draws values.

Everything here is seeded and deterministic: the same seed gives the same sources.
"""

from __future__ import annotations

import random
from collections.abc import Callable

HEADER = """\
from durable_sfn import OrchestrationContext, orchestrator


@orchestrator(name="Generated{index}")
async def generated_{index}(ctx: OrchestrationContext) -> dict:
    data = ctx.get_input()
"""

# Operands read from the input: name -> how it is read (typed through a conversion, or not).
OPERANDS: dict[str, str] = {
    "n1": 'data["n1"]',
    "n2": 'int(data["n2"])',
    "n3": 'float(data["n3"])',
    "s1": 'data["s1"]',
    "s2": 'str(data["s2"])',
    "xs1": 'data["xs1"]',
    "xs2": 'list(data["xs2"])',
    "ts1": 'data["ts1"]',
    "d1": 'data["d1"]',
    "d2": 'dict(data["d2"])',
    "b1": 'data["b1"]',
    "u1": 'data["u1"]',
}

NUM_VARS = ["n1", "n2", "n3"]
STR_VARS = ["s1", "s2"]
NUMS_VARS = ["xs1", "xs2"]
STRS_VARS = ["ts1"]
DICT_VARS = ["d1", "d2"]
KEYS = ["k", "name", "n", "xs", "missing"]
STR_LITERALS = ["''", "'a'", "'ab'", "' a b '", "','", "'x-y'", "'Ünï'", "'A'", "'0'", "'3.5'"]
NUM_LITERALS = ["0", "1", "2", "3", "-1", "7", "10", "0.5", "2.5", "-1.5", "100", "1e3", "0.1"]


class OrchestratorGenerator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    # --- expressions -------------------------------------------------------------------------

    def pick(self, options: list[str]) -> str:
        return self.rng.choice(options)

    def choose(self, depth: int, leaves: list[Callable[[], str]], nodes: list[Callable[[], str]]) -> str:
        if depth <= 0 or self.rng.random() < 0.3:
            return self.rng.choice(leaves)()
        return self.rng.choice(nodes)()

    def num(self, depth: int = 2) -> str:
        d = depth - 1
        return self.choose(
            depth,
            [lambda: self.pick(NUM_VARS), lambda: self.pick(NUM_LITERALS), lambda: self.pick(NUM_VARS)],
            [
                lambda: f"{self.num(d)} {self.pick(['+', '-', '*', '/', '//', '%'])} {self.num(d)}",
                lambda: f"{self.num(d)} ** {self.pick(['2', '3', '0', '0.5', '-1'])}",
                lambda: f"-{self.num(d)}",
                lambda: f"abs({self.num(d)})",
                lambda: f"len({self.pick([self.nums(d), self.text(d), self.pick(DICT_VARS), self.strs(d)])})",
                lambda: f"sum({self.nums(d)})",
                lambda: f"max({self.nums(d)}) if {self.nums(0)} else 0",
                lambda: f"min({self.num(d)}, {self.num(d)})",
                lambda: f"max({self.num(d)}, {self.num(d)}, {self.num(0)})",
                lambda: f"round({self.num(d)}{self.pick(['', ', 0', ', 1', ', 2'])})",
                lambda: f"int({self.pick([self.num(d), self.pick(STR_VARS), repr('42'), repr('-7')])})",
                lambda: f"float({self.pick([self.num(d), repr('1.5'), repr('2')])})",
                lambda: f"{self.num(d)} if {self.cond(d)} else {self.num(d)}",
                lambda: f"{self.nums(0)}[{self.pick(['0', '-1', '1'])}] if {self.nums(0)} else 0",
                lambda: f"{self.pick(DICT_VARS)}.get({self.key()}, {self.num(0)})",
                lambda: f"{self.nums(d)}.count({self.num(0)})",
                lambda: f"len({self.text(d)}.split({self.pick(STR_LITERALS[1:])}))",
            ],
        )

    def text(self, depth: int = 2) -> str:
        d = depth - 1
        return self.choose(
            depth,
            [lambda: self.pick(STR_VARS), lambda: self.pick(STR_LITERALS), lambda: self.pick(STR_VARS)],
            [
                lambda: f"{self.text(d)} + {self.text(d)}",
                lambda: (
                    f"str({self.pick([self.num(d), self.cond(d), self.text(d), self.nums(d), 'u1', 'None'])})"
                ),
                lambda: f"{self.text(d)}.{self.pick(['upper', 'lower', 'strip', 'lstrip', 'rstrip'])}()",
                lambda: f"{self.text(d)}.replace({self.pick(STR_LITERALS[1:])}, {self.pick(STR_LITERALS)})",
                lambda: self.fstring(d),
                lambda: f"{self.pick(STR_LITERALS)}.join({self.strs(d)})",
                lambda: f"{self.text(d)} if {self.cond(d)} else {self.text(d)}",
                lambda: f"{self.pick(DICT_VARS)}.get({self.key()}, {self.pick(STR_LITERALS)})",
                lambda: f"{self.text(d)}.split({self.pick(STR_LITERALS[1:])})[0]",
                lambda: f"{self.text(d)} or {self.pick(STR_LITERALS)}",
            ],
        )

    def fstring(self, depth: int) -> str:
        parts = []
        for _ in range(self.rng.randint(1, 3)):
            kind = self.rng.random()
            if kind < 0.4:
                spec = self.pick(["", ":.2f", ":.0f", ":d", ":,", ":.1f", ":,.2f"])
                parts.append("{" + self.num(depth) + spec + "}")
            elif kind < 0.7:
                parts.append("{" + self.pick(STR_VARS) + "}")
            else:
                parts.append("{" + self.pick(["b1", "u1", "xs1", "d1"]) + "}")
            parts.append(self.pick(["", "-", " ", "x", ": "]))
        inner = "".join(parts).replace('"', "'")
        return 'f"' + inner + '"'

    def cond(self, depth: int = 2) -> str:
        d = depth - 1
        return self.choose(
            depth,
            [
                lambda: "b1",
                lambda: f"{self.num(0)} > {self.num(0)}",
                lambda: f"{self.text(0)} == {self.text(0)}",
            ],
            [
                lambda: f"{self.num(d)} {self.pick(['<', '<=', '>', '>=', '==', '!='])} {self.num(d)}",
                lambda: f"{self.num(d)} < {self.num(d)} <= {self.num(0)}",
                lambda: f"{self.text(d)} {self.pick(['==', '!=', '<', '>='])} {self.text(d)}",
                lambda: f"not {self.cond(d)}",
                lambda: f"{self.cond(d)} {self.pick(['and', 'or'])} {self.cond(d)}",
                lambda: f"{self.num(d)} in {self.nums(d)}",
                lambda: f"{self.num(d)} not in {self.nums(d)}",
                lambda: f"{self.text(d)} in {self.pick([self.text(d), self.strs(d)])}",
                lambda: f"{self.key()} in {self.pick(DICT_VARS)}",
                lambda: f"{self.text(d)}.{self.pick(['startswith', 'endswith'])}({self.pick(STR_LITERALS)})",
                lambda: f"any([v > {self.num(0)} for v in {self.nums(d)}])",
                lambda: f"all([v != {self.num(0)} for v in {self.nums(d)}])",
                lambda: (
                    f"{self.pick(['u1', 'd1.get(' + self.key() + ')'])} is {self.pick(['None', 'not None'])}"
                ),
                lambda: f"bool({self.pick([self.num(d), self.text(d), self.nums(d), 'u1', 'd1'])})",
                lambda: self.pick(["u1", "xs1", "s1", "n1", "d1"]),
            ],
        )

    def nums(self, depth: int = 2) -> str:
        d = depth - 1
        return self.choose(
            depth,
            [lambda: self.pick(NUMS_VARS), lambda: self.pick(["[]", "[1, 2, 3]", "[0.5, -2]"])],
            [
                lambda: f"[v {self.pick(['*', '+', '-', '%', '/'])} {self.num(0)} for v in {self.nums(d)}]",
                lambda: f"[v for v in {self.nums(d)} if {self.pick(['v > 0', 'v % 2 == 0', 'v != 1'])}]",
                lambda: f"sorted({self.nums(d)}{self.pick(['', ', reverse=True'])})",
                lambda: f"{self.nums(d)} + [{self.num(d)}]",
                lambda: f"[{self.num(d)}, {self.num(d)}]",
                lambda: f"[i * {self.num(0)} for i in range({self.pick(['3', '0', 'n2 if n2 < 5 else 5'])})]",
                lambda: f"[len(t) for t in {self.strs(d)}]",
                lambda: f"list({self.pick(DICT_VARS)}.values())",
            ],
        )

    def strs(self, depth: int = 2) -> str:
        d = depth - 1
        return self.choose(
            depth,
            [lambda: self.pick(STRS_VARS), lambda: "['a', 'b']"],
            [
                lambda: f"{self.text(d)}.split({self.pick(STR_LITERALS[1:])})",
                lambda: f"sorted({self.pick(DICT_VARS)}.keys())",
                lambda: f"list({self.pick(DICT_VARS)}.keys())",
                lambda: f"[t.upper() for t in {self.strs(d)}]",
                lambda: f"[str(v) for v in {self.nums(d)}]",
                lambda: f"sorted({self.strs(d)})",
            ],
        )

    def obj(self, depth: int = 2) -> str:
        d = depth - 1
        return self.choose(
            depth,
            [lambda: self.pick(DICT_VARS), lambda: "{'a': 1}"],
            [
                lambda: f"{{'a': {self.num(d)}, 'b': [{self.text(d)}], 'c': {self.cond(d)}}}",
                lambda: f"{{**{self.pick(DICT_VARS)}, 'x': {self.num(d)}}}",
                lambda: f"{{t: len(t) for t in {self.strs(d)}}}",
                lambda: f"{{k: {self.pick(DICT_VARS)}[k] for k in {self.pick(DICT_VARS)}.keys()}}",
                lambda: f"dict({self.pick(DICT_VARS)})",
            ],
        )

    def any_value(self, depth: int = 2) -> str:
        d = depth - 1
        return self.choose(
            depth,
            [lambda: "u1", lambda: f"data[{self.key()}]", lambda: f"d1[{self.key()}]"],
            [
                lambda: f"{self.pick(DICT_VARS)}.get({self.key()})",
                lambda: f"u1 or {self.num(d)}",
                lambda: f"u1 and {self.text(d)}",
                lambda: f"{self.pick(['u1', 'd1', 'xs1'])} if {self.cond(d)} else None",
                lambda: f"list({self.pick(DICT_VARS)}.values())",
                lambda: "[[k, d1[k]] for k in d1]",
                lambda: f"list({self.pick(DICT_VARS)}.items())",
            ],
        )

    def key(self) -> str:
        return repr(self.pick(KEYS))

    def expression(self) -> str:
        kind = self.rng.choice(
            [self.num, self.text, self.cond, self.nums, self.strs, self.obj, self.any_value]
        )
        return kind(self.rng.choice([1, 2, 2, 3]))

    # --- statements --------------------------------------------------------------------------

    def statements(self) -> list[str]:
        lines: list[str] = []
        results: list[str] = []
        for i in range(self.rng.randint(1, 4)):
            name = f"r{i}"
            shape = self.rng.random()
            if shape < 0.55:
                lines.append(f"{name} = {self.expression()}")
            elif shape < 0.65:
                lines += [
                    f"if {self.cond()}:",
                    f"    {name} = {self.expression()}",
                    "else:",
                    f"    {name} = {self.expression()}",
                ]
            elif shape < 0.73:
                lines += [
                    f"{name} = {self.num(1)}",
                    f"for v in {self.nums(1)}:",
                    f"    {name} += v {self.pick(['*', '+', '-'])} {self.num(0)}",
                ]
            elif shape < 0.78:
                lines += [
                    f"{name} = 0",
                    f"while {name} < {self.pick(['3', 'n2', 'len(xs1)'])}:",
                    f"    {name} += 1",
                ]
            elif shape < 0.9:
                lines += [
                    f'{name}_res = await ctx.call_activity("Work", {self.expression()})',
                    f"{name} = {self.pick([f'{name}_res', f'{name}_res[{self.key()}]', f'str({name}_res)'])}",
                ]
            elif shape < 0.95:
                lines += [f"ctx.set_custom_status({self.expression()})", f"{name} = {self.expression()}"]
            else:
                lines += [
                    "try:",
                    f'    {name} = await ctx.call_activity("Work", {self.expression()})',
                    "except Exception as e:",
                    f"    {name} = {self.pick(['str(e)', '{' + repr('error') + ': str(e)}'])}",
                ]
            results.append(name)
        lines.append("return {" + ", ".join(f"'{r}': {r}" for r in results) + "}")
        return lines

    def source(self, index: int) -> str:
        body = [f"{name} = {how}" for name, how in OPERANDS.items()] + self.statements()
        return HEADER.format(index=index) + "".join(f"    {line}\n" for line in body)
