"""The compiler's entry points: source text or an `@orchestrator` function -> ASL definition."""

from __future__ import annotations

import ast
import inspect
import json
import linecache
from pathlib import Path
from typing import Any

from durable_sfn.compiler import limits, naming, passes
from durable_sfn.compiler.backend import logs
from durable_sfn.compiler.backend.control_flow import lower
from durable_sfn.compiler.backend.states import graph_to_asl
from durable_sfn.compiler.diagnostics import CompileError, DiagnosticSink
from durable_sfn.compiler.discovery import find_orchestrators, module_info
from durable_sfn.compiler.expressions.text import JSONATA_FUNCTIONS
from durable_sfn.compiler.frontend.lowerer import lower_orchestrator
from durable_sfn.compiler.frontend.scopes import ModuleInfo
from durable_sfn.dsl import orchestrator_definition


def _rename(name: str) -> str:
    # A variable named like a JSONata function would shadow that function in every expression.
    return name + "_" if name in JSONATA_FUNCTIONS else name


def compile_function(
    func: ast.AsyncFunctionDef, name: str, file: str, source: str, module: ModuleInfo
) -> dict[str, Any]:
    """Compile one orchestrator function node; raises CompileError listing every diagnostic."""
    sink = DiagnosticSink(file, source)
    with limits.headroom():
        try:
            definition = _compile(func, name, file, source, module, sink)
        except RecursionError:  # bounded by limits.check_nesting; a last resort, never a crash
            sink.report(
                "DSF031",
                "this orchestrator nests too deeply to compile",
                func.lineno,
                func.col_offset,
                "split deeply nested expressions and blocks into smaller steps",
            )
            sink.raise_if_any()
            raise  # pragma: no cover - raise_if_any raised
        limits.check_definition(definition, render_definition(definition), sink, func.lineno)
    sink.raise_if_any()
    return definition


def _compile(
    func: ast.AsyncFunctionDef, name: str, file: str, source: str, module: ModuleInfo, sink: DiagnosticSink
) -> dict[str, Any]:
    orch = lower_orchestrator(func, name, file, sink, module)
    sink.raise_if_any()
    graph = lower(orch, Path(file).name)
    passes.optimise(graph)
    logs.scope_variables(graph)
    names = naming.assign_names(graph)
    body = graph_to_asl(graph, names, _rename)
    return {
        "Comment": f"{name}: compiled from {Path(file).name}:{func.lineno} by durable_sfn",
        "QueryLanguage": "JSONata",
        **body,
    }


def parse_source(source: str, file: str) -> ast.Module:
    limits.check_nesting(source, file)
    try:
        with limits.headroom():
            return ast.parse(source, filename=file)
    except SyntaxError as exc:
        sink = DiagnosticSink(file, source)
        sink.report("DSF000", f"invalid Python: {exc.msg}", exc.lineno or 1, max(0, (exc.offset or 1) - 1))
        raise CompileError(sink.items) from None
    except (ValueError, RecursionError, MemoryError) as exc:  # e.g. null bytes, absurd nesting
        sink = DiagnosticSink(file, "")
        sink.report("DSF000", f"cannot parse the source: {exc}", 1, 0)
        raise CompileError(sink.items) from None


def compile_source(source: str, file: str = "<string>", name: str | None = None) -> dict[str, dict[str, Any]]:
    """Compile every `@orchestrator` in `source` (or only the one registered as `name`).

    Returns {orchestrator name: ASL definition}. Never executes the source.
    """
    tree = parse_source(source, file)
    info = module_info(tree, Path(file).resolve() if not file.startswith("<") else Path.cwd() / "module.py")
    out: dict[str, dict[str, Any]] = {}
    errors = []
    for found in find_orchestrators(tree):
        if name is not None and found.name != name:
            continue
        try:
            out[found.name] = compile_function(found.function, found.name, file, source, info)
        except CompileError as exc:
            errors.extend(exc.diagnostics)
    if errors:
        raise CompileError(errors)
    return out


def compile_orchestrator(orch: Any) -> dict[str, Any]:
    """Compile an `@orchestrator` function to its ASL definition (a dict), reading its source.

    >>> definition = compile_orchestrator(order_processing)  # doctest: +SKIP
    >>> definition["QueryLanguage"]  # doctest: +SKIP
    'JSONata'
    """
    definition = orchestrator_definition(orch)
    if definition is None:
        raise TypeError(f"{getattr(orch, '__name__', orch)!r} is not decorated with @orchestrator")
    fn = inspect.unwrap(definition.function)
    file = inspect.getsourcefile(fn) or definition.source_file
    source = _module_source(file, definition.name)
    tree = parse_source(source, file)
    info = module_info(tree, Path(file).resolve())
    for node in ast.walk(tree):
        if isinstance(node, ast.AsyncFunctionDef) and node.name == fn.__name__:
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            if start <= fn.__code__.co_firstlineno <= (node.end_lineno or node.lineno):
                return compile_function(node, definition.name, file, source, info)
    raise TypeError(f"cannot find the source of orchestrator {definition.name!r} in {file}")


def _module_source(file: str, name: str) -> str:
    """The text of the module that defines an orchestrator: its file, or the lines Python keeps
    for code that has none on disk (a notebook cell)."""
    path = Path(file)
    if path.is_file():
        return path.read_text(encoding="utf-8")
    lines = linecache.getlines(file)
    if lines:
        return "".join(lines)
    raise ValueError(
        f"cannot read the source of orchestrator {name!r}: it was defined in {file}, which is not a "
        "file the compiler can read; define orchestrators in a .py module"
    )


def render_definition(definition: dict[str, Any]) -> str:
    """The stable text of a definition, as written to `.asl.json` and deployed: two-space JSON and a
    final newline."""
    return json.dumps(definition, indent=2) + "\n"
