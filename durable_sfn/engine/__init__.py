"""durable_sfn.engine: a local AWS Step Functions engine with a boto3-shaped client.

    api/           LocalStepFunctions, boto3's `stepfunctions` client (machines, executions,
                   TestState, errors); the only part callers need
    execution.py   the interpreter loop: one execution, its history, Retry/Catch, limits
    states/        one module per state type behind one signature (base.py: StateRun, StateOutcome)
    integrations/  what a Task calls: in-process Lambda, boto3 (aws-sdk, with the clients the
                   engine was given: aws_clients.py), HTTP, child executions, task tokens
    dataflow.py, env.py, jsonpath.py, jsonata.py, payload.py, intrinsics/, choice_rules.py,
    retry.py, json_types.py
                   how values move and are evaluated, one module per concern
    branch.py, fanout.py, clock.py, threads.py, history.py, limits.py, mock_config.py, errors.py
                   threads of control, virtual time, history events, AWS limits and error names
    bounds.py, bounded_regex.py
                   what one evaluation may cost (time, depth, size, stop) and user regular
                   expressions matched in linear time

Everything below `api/` is imported downward only: the client builds executions, an execution
runs the states table, states call integrations; nothing imports back up.
"""

from durable_sfn.engine.api import LocalStepFunctions
from durable_sfn.engine.clock import Clock, RealClock, VirtualClock
from durable_sfn.engine.integrations.aws_clients import MotoClients

__all__ = ["Clock", "LocalStepFunctions", "MotoClients", "RealClock", "VirtualClock"]
