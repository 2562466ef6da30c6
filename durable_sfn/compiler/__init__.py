"""Python orchestrator source -> Amazon States Language (JSONata + Variables).

Pipeline (`api`): `discovery` (the module's activities, constants, ...) -> `frontend` (ast -> IR,
with `expressions` for Python expressions) -> `backend` (IR -> a graph of `backend.states`) ->
`passes` (prune and fold) -> `naming` (state names) -> `backend.states.graph_to_asl` (render).
The compiler reads source; it never imports or runs the orchestrator.
"""

from durable_sfn.compiler.api import compile_orchestrator, compile_source
from durable_sfn.compiler.diagnostics import CATALOGUE, CompileError, Diagnostic

__all__ = ["CATALOGUE", "CompileError", "Diagnostic", "compile_orchestrator", "compile_source"]
