"""Python expressions -> JSONata (`ir.Expr`), used by the frontend for every expression it meets.

`translator` holds the translator (leaves, displays, subscripts); `operators`, `comprehensions`
and `calls` translate operators, comprehensions and calls; `text` builds JSONata text from pieces.
"""
