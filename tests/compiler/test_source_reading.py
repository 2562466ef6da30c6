"""The compiler reads an orchestrator's module source: from its file, or from the lines Python
keeps for code with no file on disk (a notebook cell); code with neither gets a clear error."""

from __future__ import annotations

import linecache
from typing import Any

import pytest

from durable_sfn.compiler import compile_orchestrator
from durable_sfn.testing import run_direct, run_local

SOURCE = """\
from durable_sfn import orchestrator


@orchestrator(name="CellOrchestrator")
async def cell(ctx):
    x = ctx.get_input()
    return f"{x:.1%}"
"""


def _define(filename: str, register: bool) -> Any:
    if register:  # what IPython does for each cell it runs
        linecache.cache[filename] = (len(SOURCE), None, SOURCE.splitlines(keepends=True), filename)
    namespace: dict[str, Any] = {}
    exec(compile(SOURCE, filename, "exec"), namespace)
    return namespace["cell"]


def test_an_orchestrator_defined_in_a_notebook_cell_compiles_and_runs() -> None:
    cell = _define("<ipython-input-7-cell>", register=True)
    try:
        assert compile_orchestrator(cell)["StartAt"]
        assert run_direct(cell, 0.125).output == run_local(cell, 0.125).output == "12.5%"
    finally:
        linecache.cache.pop("<ipython-input-7-cell>", None)


def test_an_orchestrator_without_readable_source_is_a_clear_error() -> None:
    cell = _define("<string>", register=False)
    with pytest.raises(ValueError, match=r"cannot read the source of orchestrator 'CellOrchestrator'"):
        compile_orchestrator(cell)
    with pytest.raises(ValueError, match=r"define orchestrators in a \.py module"):
        run_direct(cell, 1)
