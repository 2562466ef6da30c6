"""`durable-sfn compile PATH...`: compile orchestrator files (or every file in folders) to
`<function>.asl.json` next to the source, print with --stdout, or check freshness with --check.

`durable_sfn.cli.main` declares the command; this module does the work.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from durable_sfn.compiler.api import compile_function, parse_source, render_definition
from durable_sfn.compiler.diagnostics import CompileError
from durable_sfn.compiler.discovery import find_orchestrators, module_info

SKIP_DIRS = {".venv", "venv", "node_modules", "__pycache__", "cdk.out", ".git", "build", "dist"}


def python_files(paths: list[Path]) -> Iterator[tuple[Path, bool]]:
    """(file, named explicitly) for each file argument and each .py file under folder arguments."""
    for path in paths:
        if path.is_dir():
            for file in sorted(path.rglob("*.py")):
                if not any(
                    part in SKIP_DIRS or part.startswith(".") for part in file.relative_to(path).parts[:-1]
                ):
                    yield file, False
        else:
            yield path, True


def compile_file(file: Path) -> dict[Path, str]:
    """{output path: rendered definition} for every orchestrator in `file`."""
    source = file.read_text(encoding="utf-8")
    tree = parse_source(source, str(file))
    found = find_orchestrators(tree)
    if not found:
        return {}
    info = module_info(tree, file.resolve())
    outputs: dict[Path, str] = {}
    errors = []
    for orch in found:
        try:
            definition = compile_function(orch.function, orch.name, str(file), source, info)
        except CompileError as exc:
            errors.extend(exc.diagnostics)
            continue
        outputs[file.with_name(f"{orch.function.name}.asl.json")] = render_definition(definition)
    if errors:
        raise CompileError(errors)
    return outputs


def run(
    paths: list[Path], *, stdout: bool, check: bool, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """The command's behaviour, returning the exit status (0 ok, 1 errors or stale files)."""
    out = out or sys.stdout
    err = err or sys.stderr
    status = 0
    compiled: dict[Path, str] = {}
    for path in paths:
        if not path.exists():
            print(f"{path}: no such file or folder", file=err)
            status = 1
    for file, explicit in python_files([p for p in paths if p.exists()]):
        try:
            if not explicit and "orchestrator" not in file.read_text(encoding="utf-8", errors="replace"):
                continue
            outputs = compile_file(file)
        except CompileError as exc:
            for d in exc.diagnostics:
                print(d.render(), file=err)
            status = 1
            continue
        except (OSError, UnicodeDecodeError) as exc:
            print(f"{file}: cannot read: {exc}", file=err)
            status = 1
            continue
        except Exception as exc:  # a compiler bug must still not show a traceback
            print(
                f"{file}:1:1: internal compiler error ({type(exc).__name__}: {exc}); please report it",
                file=err,
            )
            status = 1
            continue
        if explicit and not outputs:
            print(f"{file}: no @orchestrator functions found", file=err)
            status = 1
        compiled.update(outputs)
    if stdout:
        for text in compiled.values():
            out.write(text)
        return status
    for target, text in compiled.items():
        if check:
            current = target.read_text(encoding="utf-8") if target.exists() else None
            if current != text:
                state = "missing" if current is None else "stale"
                print(f"{target}: {state}; run `durable-sfn compile` and commit the result", file=err)
                status = 1
        else:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                target.write_text(text, encoding="utf-8")
            print(f"wrote {target}", file=out)
    return status
