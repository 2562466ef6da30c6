"""Python orchestrator source -> Amazon States Language (JSONata + Variables).

Pipeline: `frontend` (ast -> IR) -> `backend` (IR -> state graph) -> `passes` (fold, name) ->
`asl_model` (render). The compiler reads source; it never imports or runs the orchestrator.
"""

from durable_sfn.compiler.api import compile_orchestrator, compile_source
from durable_sfn.compiler.diagnostics import CATALOGUE, CompileError, Diagnostic

__all__ = ["CATALOGUE", "CompileError", "Diagnostic", "compile_orchestrator", "compile_source"]
