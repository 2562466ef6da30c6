"""The compiler's first stage: Python `ast` -> IR (`durable_sfn.compiler.ir`).

`lowerer` visits statements; `ctx_ops`, `task_all` and `try_raise` lower the orchestration
context's operations, `ctx.task_all` branches and error handling; `scopes` and `source_labels`
hold what is known before lowering and the labels later used for state names. Expressions inside
statements are translated by `durable_sfn.compiler.expressions`.
"""
