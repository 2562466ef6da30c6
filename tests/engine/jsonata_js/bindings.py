"""Random JSON bindings for a JSONata expression: `$states` plus the variables it reads.

The expression text tells which variables it reads (`$order`, not `$__v := ...` locals, lambda
parameters or function names) and which fields it walks (`$order.items`, `$states.input.n1`,
`$lookup($d, "k")`). Each walk becomes a skeleton of nested objects whose leaves are random JSON
values; a leaf's name hints at its type (`n*` number, `s*` string, `xs*`/`ts*` lists, `d*`
object, `b*` boolean, `u*` anything, as `generate.py` names them), followed most of the time so
that expressions mostly succeed, and broken on purpose otherwise so that errors are compared too.
"""

from __future__ import annotations

import random
import re
from typing import Any

# Values that tend to expose differences: rounding ties, -0, big and tiny numbers, integers past
# 2**53 are left out (JavaScript numbers are doubles; see the accepted differences).
SPECIAL_NUMBERS: list[float | int] = [
    0,
    1,
    -1,
    2,
    3,
    7,
    10,
    0.5,
    -0.5,
    1.5,
    2.5,
    -2.5,
    0.125,
    2.675,
    1.005,
    0.1,
    0.3,
    1e3,
    123456.789,
    1e16,
    1e21,
    1e-7,
    42,
    99,
    -7,
    3.0,
]
SPECIAL_STRINGS = [
    "",
    " ",
    "a",
    "ab",
    "A b",
    " a b ",
    "x,y",
    "a-b",
    "0",
    "42",
    "3.5",
    "-7",
    "true",
    "null",
    "Ünï",
    "日本",
    "😀x",
    "a\nb",
    "'q'",
    '"dq"',
    "name",
    "k",
    "missing",
    '{"a": 1}',
    "[1, 2]",
]
KEYS = ["k", "name", "n", "xs", "a", "b", "id", "Payload", "value"]

_VAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_DEFINED = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)\s*:=")
_LAMBDA = re.compile(r"function\s*\(([^)]*)\)")
_CHAIN = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)((?:\)*\.(?:[A-Za-z_][A-Za-z0-9_]*|`[^`]*`))*)")
_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*|`[^`]*`)")
_LOOKUP = re.compile(
    r"\$lookup\(\(*\$([A-Za-z_][A-Za-z0-9_]*)((?:\)*\.(?:[A-Za-z_][A-Za-z0-9_]*))*)\)*,\s*[\"']([^\"']*)[\"']"
)

Skeleton = dict[str, "Skeleton"]


def read_variables(expression: str) -> set[str]:
    """Names the expression reads from outside: not called, not bound inside, not a parameter."""
    names = set()
    for m in _VAR.finditer(expression):
        rest = expression[m.end() :].lstrip()
        if not rest.startswith("("):
            names.add(m.group(1))
    bound = set(_DEFINED.findall(expression))
    for params in _LAMBDA.findall(expression):
        bound.update(p.strip().lstrip("$") for p in params.split(",") if p.strip())
    return names - bound


def skeleton(expression: str) -> Skeleton:
    """The field walks, as a tree: {"states": {"input": {"n1": {}}}, "order": {"items": {}}}."""
    tree: Skeleton = {}

    def add(root: str, steps: list[str]) -> None:
        node = tree.setdefault(root, {})
        for step in steps:
            node = node.setdefault(step.strip("`"), {})

    for m in _CHAIN.finditer(expression):
        add(m.group(1), _STEP.findall(m.group(2)))
    for m in _LOOKUP.finditer(expression):
        add(m.group(1), [*_STEP.findall(m.group(2)), m.group(3)])
    return tree


class BindingsGenerator:
    def __init__(self, seed: int, *, faithful: float = 0.8) -> None:
        self.rng = random.Random(seed)
        self.faithful = faithful

    def bindings(self, expression: str) -> dict[str, Any]:
        tree = skeleton(expression)
        out: dict[str, Any] = {}
        for name in sorted(read_variables(expression) | {"states"}):
            shape = tree.get(name, {})
            if name == "states":
                out[name] = self.states(shape)
            else:
                out[name] = self.fill(name, shape)
        return out

    def states(self, shape: Skeleton) -> dict[str, Any]:
        """`$states`: input and context always; result and errorOutput when the expression reads them."""
        context_shape = shape.get("context", {})
        execution = context_shape.get("Execution", {})
        context: dict[str, Any] = {
            "Execution": {
                "Id": "arn:aws:states:us-east-1:123456789012:execution:Machine:run",
                "Name": "run",
                "StartTime": "2024-01-01T00:00:00.000Z",
                "Input": self.fill("Input", execution.get("Input", {})),
            },
            "State": {"Name": "S", "EnteredTime": "2024-01-01T00:00:01.000Z"},
            "StateMachine": {
                "Id": "arn:aws:states:us-east-1:123456789012:stateMachine:Machine",
                "Name": "Machine",
            },
        }
        for key, sub in context_shape.items():
            if key not in context:
                context[key] = self.fill(key, sub)
        states: dict[str, Any] = {"input": self.fill("input", shape.get("input", {})), "context": context}
        if "result" in shape:
            states["result"] = self.fill("result", shape["result"])
        if "errorOutput" in shape:
            error = shape["errorOutput"]
            states["errorOutput"] = {
                "Error": self.rng.choice(["States.TaskFailed", "ValueError", "Oops"]),
                "Cause": self.fill("Cause", error.get("Cause", {}))
                if error.get("Cause")
                else self.rng.choice(["boom", '{"errorMessage": "bad", "errorType": "ValueError"}', ""]),
            }
        return states

    def fill(self, name: str, shape: Skeleton) -> Any:
        """A value for `name`: an object holding `shape`'s fields when it has any, else a leaf."""
        if shape and self.rng.random() < 0.95:
            obj = {key: self.fill(key, sub) for key, sub in shape.items()}
            if self.rng.random() < 0.1:
                obj.pop(self.rng.choice(list(obj)))  # a missing field
            if self.rng.random() < 0.2:
                obj[self.rng.choice(KEYS)] = self.leaf("u")
            if len(shape) == 1 and self.rng.random() < 0.05:
                return [obj, {**obj}]  # a walk that meets an array maps over it
            return obj
        return self.leaf(name)

    def leaf(self, name: str) -> Any:
        rng = self.rng
        if rng.random() > self.faithful:
            return self.random_json(2)
        lowered = name.lower()
        if lowered.startswith(("xs", "numbers", "items", "values", "scores", "list")):
            return [self.number() for _ in range(rng.choice([0, 1, 2, 3, 5]))]
        if lowered.startswith(("ts", "tags", "names", "words")):
            return [self.string() for _ in range(rng.choice([0, 1, 2, 4]))]
        if lowered in ("name", "id", "status", "text", "message", "cause", "error"):
            return self.string()
        if lowered.startswith("n") or lowered in ("count", "amount", "total", "price", "quantity", "index"):
            return self.number()
        if lowered.startswith("s"):
            return self.string()
        if lowered.startswith("d") or lowered in ("extra", "payload", "input", "result", "data"):
            return self.obj(2)
        if lowered.startswith(("b", "is", "has", "ok")):
            return rng.choice([True, False])
        return self.random_json(2)

    def number(self) -> float | int:
        rng = self.rng
        r = rng.random()
        if r < 0.5:
            return rng.randint(-20, 40)
        if r < 0.8:
            return rng.choice(SPECIAL_NUMBERS)
        return round(rng.uniform(-1000, 1000), rng.choice([0, 1, 2, 3, 6]))

    def string(self) -> str:
        rng = self.rng
        if rng.random() < 0.6:
            return rng.choice(SPECIAL_STRINGS)
        return "".join(rng.choice("abcxyz AB-_,.01") for _ in range(rng.randint(0, 8)))

    def obj(self, depth: int) -> dict[str, Any]:
        return {key: self.random_json(depth - 1) for key in self.rng.sample(KEYS, self.rng.randint(0, 3))}

    def random_json(self, depth: int) -> Any:
        rng = self.rng
        kinds = ["null", "bool", "number", "number", "string", "string"]
        if depth > 0:
            kinds += ["list", "object"]
        kind = rng.choice(kinds)
        if kind == "null":
            return None
        if kind == "bool":
            return rng.choice([True, False])
        if kind == "number":
            return self.number()
        if kind == "string":
            return self.string()
        if kind == "list":
            return [self.random_json(depth - 1) for _ in range(rng.randint(0, 3))]
        return self.obj(depth)
