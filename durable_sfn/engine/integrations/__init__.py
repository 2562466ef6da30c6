"""Task integrations: how a Task's Resource is invoked and how its failures are named.

`base.py` parses a Resource ARN into an `Integration` (service, action, pattern) and defines
`TaskFailure`; one module per kind of call does the call: `lambda_.py` (in-process handlers),
`aws_sdk.py` (boto3), `nested.py` (child executions), `callbacks.py` (task tokens),
`http.py` (HTTP Tasks, loopback only unless allowed).
`states/task.py` drives the pattern (request-response, `.sync`, `.waitForTaskToken`) and the
history. Each module states what it needs from the engine as a small protocol, so none of them
imports the interpreter.
"""
