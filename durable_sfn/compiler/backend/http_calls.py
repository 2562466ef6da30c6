"""`ir.CallHttp` -> an HTTP Task and Durable's polling loop.

```
HTTP <method> (Task http:invoke)  -> Poll? (Choice)
Poll? : status 202 with a Location -> Wait before polling (Wait: Retry-After seconds, else 30)
                                   -> Poll location (Task http:invoke, GET) -> Poll?
        otherwise                  -> the next statement
```

The response is held as Durable's `DurableHttpResponse` in JSON (`RESPONSE` below): `status_code`,
`headers` (each header's values joined with ", ") and `content` (the body's text; a JSON body,
which Step Functions hands over parsed, is written back with `$string`). The direct run computes
the same value with `durable_sfn.testing.direct_http`, which follows these expressions.

Cost: 2 state transitions for a call answered at once (the Task and the Choice), plus 3 per poll
(Wait, Task, Choice).
"""

from __future__ import annotations

from durable_sfn._aws import HTTP_CONNECTION, HTTP_INVOKE, placeholder
from durable_sfn.compiler import ir
from durable_sfn.compiler.backend.core import Frame, LoweringCore
from durable_sfn.compiler.backend.states import Graph, Rule, State
from durable_sfn.compiler.ir import Expr, Ty, Var

DEFAULT_POLL_SECONDS = 30  # Durable's default wait between polls of a 202's Location
CONNECTION = Expr.literal({"ConnectionArn": placeholder(HTTP_CONNECTION)})
RESPONSE = Expr.raw(
    "($r := $states.result; $h := $r.Headers; $b := $r.ResponseBody; "
    '{"status_code": $r.StatusCode, '
    '"headers": $type($h) = "object" ? $merge($append([{}], $each($h, function($v, $k) '
    '{{$k: $type($v) = "array" ? $join($v, ", ") : $string($v)}}))) : {}, '
    '"content": $exists($b) ? ($type($b) = "string" ? $b : $string($b)) : null})',
    Ty.DICT,
)


def _header(response: str, name: str) -> tuple[str | Var, ...]:
    """The value of header `name` (any case) in the held response, or null."""
    return (
        "($k := $keys(",
        Var(response),
        f'.headers)[$lowercase($) = "{name}"][0]; $exists($k) ? $lookup(',
        Var(response),
        ".headers, $k) : null)",
    )


class HttpLowering(LoweringCore):
    def lower_CallHttp(self, g: Graph, s: ir.CallHttp, nxt: str, frame: Frame) -> str:
        first, choice, wait, poll = (self.new_id() for _ in range(4))
        response = s.target or f"__http_{first}"
        headers = s.headers
        assign: list[tuple[str, Expr]] = [(response, RESPONSE)]
        if headers is not None and not headers.is_const:
            # The poll sends the headers of the call as they were when it was made.
            held = f"__http_headers_{first}"
            assign.append((held, headers))
            poll_headers: Expr | None = Expr.var(held, Ty.DICT)
        else:
            poll_headers = headers
        arguments: dict[str, Expr] = {"ApiEndpoint": s.uri, "Method": Expr.literal(s.method)}
        if headers is not None:
            arguments["Headers"] = headers
        if s.content is not None:
            arguments["RequestBody"] = s.content
        arguments["Authentication"] = CONNECTION
        label = f"HTTP {s.method} line {s.loc.line}"
        location = Expr(_header(response, "location"), Ty.STR)
        accepted = Expr(
            (Var(response), ".status_code = 202 and $type(", *location.parts, ') = "string"'),
            Ty.BOOL,
        )
        retry_after = _header(response, "retry-after")
        seconds = Expr(
            (
                "($a := ",
                *retry_after,
                "; ",
                f'$type($a) = "string" and $match($a, /^[0-9]{{1,8}}$/) ? $number($a) : {DEFAULT_POLL_SECONDS})',
            ),
            Ty.NUM,
        )
        poll_arguments: dict[str, Expr] = {"ApiEndpoint": location, "Method": Expr.literal("GET")}
        if poll_headers is not None:
            poll_arguments["Headers"] = poll_headers
        poll_arguments["Authentication"] = CONNECTION
        comment = self.comment(s.loc)
        catch = self.catchers(frame)
        self.add(
            g,
            State(
                choice,
                "Choice",
                f"Poll {label}?",
                comment,
                rules=(Rule(accepted, wait),),
                default=nxt,
            ),
        )
        self.add(g, State(wait, "Wait", f"Wait to poll {label}", comment, next=poll, seconds=seconds))
        self.add(
            g,
            State(
                poll,
                "Task",
                f"Poll {label}",
                comment,
                next=choice,
                resource=HTTP_INVOKE,
                arguments=poll_arguments,
                assign=((response, RESPONSE),),
                catch=catch,
            ),
        )
        return self.add(
            g,
            State(
                first,
                "Task",
                label,
                comment,
                next=choice,
                resource=HTTP_INVOKE,
                arguments=arguments,
                assign=tuple(assign),
                catch=catch,
            ),
        )
