"""Where the harness's expressions come from.

- compiled: every `{% %}` the compiler emits for the repository's orchestrators (statemachines/,
  the golden sources and example orchestrators under tests/) and for generated ones
  (`generate.py`), each paired with drawn bindings (`bindings.py`);
- conformance: every `{% %}` in the AWS-recorded corpus (../shared/conformance), with the
  bindings each one really had when the engine ran its case (recorded at the engine's one
  JSONata entry point), and the case input for expressions that run never reached.
"""

from __future__ import annotations

import ast
import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from durable_sfn.compiler import CompileError, compile_source
from durable_sfn.engine.env import EvalEnv
from tests.engine.jsonata_js.bindings import BindingsGenerator
from tests.engine.jsonata_js.generate import OrchestratorGenerator

REPO_ROOT = Path(__file__).resolve().parents[3]
CORPUS = REPO_ROOT.parent / "shared" / "conformance" / "cases.jsonl"
SOURCE_DIRS = [REPO_ROOT / "statemachines", REPO_ROOT / "tests"]


@dataclass(frozen=True)
class Case:
    expression: str
    bindings: dict[str, Any]
    origin: str


def expression_bodies(value: Any) -> Iterator[str]:
    """Every `{% ... %}` body inside a JSON value (a definition, or part of one)."""
    if isinstance(value, str):
        if value.startswith("{%") and value.endswith("%}") and len(value) >= 4:
            yield value[2:-2].strip()
    elif isinstance(value, dict):
        for v in value.values():
            yield from expression_bodies(v)
    elif isinstance(value, list):
        for v in value:
            yield from expression_bodies(v)


def compiled_bodies(source: str, file: str = "<generated>") -> list[str]:
    """The expressions of every orchestrator in `source` that compiles (the others are skipped)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names = [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.AsyncFunctionDef)
        and any("orchestrator" in ast.unparse(d) for d in node.decorator_list)
    ]
    out: list[str] = []
    try:
        definitions = compile_source(source, file)
    except CompileError:
        definitions = {}
        # One refused orchestrator fails the file: compile the others one by one.
        for name in _registered_names(tree) or names:
            with contextlib.suppress(CompileError):
                definitions.update(compile_source(source, file, name))
    for definition in definitions.values():
        out.extend(expression_bodies(definition))
    return out


def _registered_names(tree: ast.Module) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.AsyncFunctionDef):
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call):
                    for kw in deco.keywords:
                        if kw.arg == "name" and isinstance(kw.value, ast.Constant):
                            names.append(str(kw.value.value))
    return names


def repository_expressions() -> dict[str, str]:
    """expression -> the first file it was compiled from, for every orchestrator in the repository."""
    found: dict[str, str] = {}
    for folder in SOURCE_DIRS:
        for path in sorted(folder.rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            if "@orchestrator" not in text:
                continue
            for body in compiled_bodies(text, str(path)):
                found.setdefault(body, str(path.relative_to(REPO_ROOT)))
        for path in sorted(folder.rglob("*.asl.json")):
            for body in expression_bodies(json.loads(path.read_text(encoding="utf-8"))):
                found.setdefault(body, str(path.relative_to(REPO_ROOT)))
    return found


def generated_expressions(seed: int, orchestrators: int) -> list[str]:
    """Distinct expressions of `orchestrators` generated orchestrators (seeded)."""
    generator = OrchestratorGenerator(seed)
    seen: dict[str, None] = {}
    for index in range(orchestrators):
        for body in compiled_bodies(generator.source(index)):
            seen.setdefault(body, None)
    return list(seen)


def with_bindings(expressions: list[str], origin: str, per_expression: int, seed: int) -> Iterator[Case]:
    draw = BindingsGenerator(seed)
    for expression in expressions:
        for _ in range(per_expression):
            yield Case(expression, draw.bindings(expression), origin)


# --- the conformance corpus -----------------------------------------------------------------


def load_corpus() -> list[dict[str, Any]]:
    if not CORPUS.exists():
        return []
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


def bindings_of(env: EvalEnv) -> dict[str, Any]:
    bound: dict[str, Any] = dict(env.variables)
    bound["states"] = env.jsonata_states()
    return bound


@contextlib.contextmanager
def recording() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Record (expression body, bindings) for every JSONata evaluation the engine makes."""
    from durable_sfn.engine import jsonata

    seen: list[tuple[str, dict[str, Any]]] = []
    original = jsonata.evaluate_expression

    def record(expression: str, env: EvalEnv, field: str) -> Any:
        seen.append((jsonata.expression_body(expression), json.loads(json.dumps(bindings_of(env)))))
        return original(expression, env, field)

    jsonata.evaluate_expression = record  # every caller goes through the module attribute
    try:
        yield seen
    finally:
        jsonata.evaluate_expression = original


def conformance_cases() -> list[Case]:
    """Every corpus expression with the bindings its run gave it; unreached ones with the case input."""
    corpus = load_corpus()
    if not corpus:
        return []
    from durable_sfn.engine import LocalStepFunctions
    from tests.engine.test_conformance import load_compare, run_case

    judge = load_compare()
    client = LocalStepFunctions()
    cases: list[Case] = []
    for index, case in enumerate(corpus):
        static = set(expression_bodies(case["definition"]))
        if not static:
            continue
        # A failing run still recorded what it evaluated.
        with recording() as seen, contextlib.suppress(Exception):
            run_case(client, case, index, judge)
        origin = f"conformance:{case['id'].split('::')[-1]}"
        reached = set()
        for body, bound in seen:
            cases.append(Case(body, bound, origin))
            reached.add(body)
        for body in sorted(static - reached):
            bound = {"states": {"input": case["input"], "context": {"Execution": {"Input": case["input"]}}}}
            cases.append(Case(body, bound, origin + " (not reached; case input)"))
    return cases


def unique(cases: list[Case]) -> list[Case]:
    seen: set[str] = set()
    out = []
    for case in cases:
        key = case.expression + "\x00" + json.dumps(case.bindings, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(case)
    return out
