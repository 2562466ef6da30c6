"""`await ctx.call_http(method, uri, content=..., headers=...)`: Durable's HTTP call, as the Step
Functions HTTP Task.

The result is Durable's `DurableHttpResponse` as JSON: `{"status_code", "headers", "content"}`;
`response.status_code` compiles to `response["status_code"]` (`typed_data.HTTP_RESPONSE`).
`method` must be a literal (the HTTP Task's methods, any case), so the IAM grant can name it;
`uri`, `content` (a str is sent as it is, anything else as JSON) and `headers` are expressions.
`token_source` is refused: on Step Functions the EventBridge connection authenticates the call.
A status outside 200-299 fails the call with `States.Http.StatusCode.<code>` in both runs (Step
Functions fails the Task; Durable would hand back the response): `except Exception as e` catches
it and `e.error` names the status.
"""

from __future__ import annotations

import ast

from durable_sfn.compiler import ir
from durable_sfn.compiler.frontend.core import LowererCore
from durable_sfn.compiler.ir import Ty

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD")


def lower_call_http(lw: LowererCore, call: ast.Call, target: ast.Name | None, loc: ir.Loc) -> list[ir.Stmt]:
    args = lw.bind_args(call, ["method", "uri", "content", "headers", "token_source"], 2)
    if args is None:
        return []
    token = args.get("token_source")
    if token is not None and not (isinstance(token, ast.Constant) and token.value is None):
        lw.report(
            token,
            "DSF014",
            "call_http cannot take a token_source",
            "a Step Functions HTTP Task authenticates through its EventBridge connection: give the "
            "Orchestration construct http_connection=... (API key, basic or OAuth) and drop token_source",
        )
        return []
    method_node = args["method"]
    if not (
        isinstance(method_node, ast.Constant)
        and isinstance(method_node.value, str)
        and method_node.value.upper() in METHODS
    ):
        lw.report(
            method_node,
            "DSF014",
            "the method of call_http must be a string literal naming an HTTP method",
            f"write one of {', '.join(repr(m) for m in METHODS)} in place (the deployed role is granted that method)",
        )
        return []
    uri = lw.expr.translate(args["uri"])
    content = _optional(lw, args.get("content"))
    headers = _optional(lw, args.get("headers"))
    bound = lw.bind_target(target.id, Ty.DICT, target) if target is not None else None
    return [ir.CallHttp(bound, method_node.value.upper(), uri, content, headers, loc)]


def _optional(lw: LowererCore, node: ast.expr | None) -> ir.Expr | None:
    if node is None or (isinstance(node, ast.Constant) and node.value is None):
        return None
    return lw.expr.translate(node)
