"""Task: invoke an integration with Retry/Catch-able failures, timeouts and task tokens."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from durable_sfn.engine import dataflow, errors, history, jsonata
from durable_sfn.engine import jsonpath as jp
from durable_sfn.engine.errors import ReportedError, StatesError
from durable_sfn.engine.integrations import aws_sdk, callbacks, http, nested
from durable_sfn.engine.integrations import lambda_ as lambda_integration
from durable_sfn.engine.integrations.base import Integration, TaskFailure, resolve
from durable_sfn.engine.states.base import StateOutcome, StateRun, next_of

DEFAULT_TIMEOUT = 99_999_999


def _seconds(run: StateRun, effective: Any, field: str) -> int | None:
    state, env = run.state, run.env
    if field in state:
        value = state[field]
        if dataflow.is_jsonata(env) and jsonata.is_expression(value):
            value = jsonata.evaluate_expression(value, env, field)
    elif f"{field}Path" in state and not dataflow.is_jsonata(env):
        path = state[f"{field}Path"]
        value = jp.select(effective, path, env)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise StatesError(
                errors.RUNTIME,
                f"The {field}Path field refers to value {jp.to_json_text(value)} which is not a valid positive integer: {path}",
            )
    else:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise StatesError(
            errors.QUERY_EVALUATION_ERROR, f"The {field} field must be a positive integer, but was: {value!r}"
        )
    return int(value)


def run(run: StateRun, raw: Any) -> StateOutcome:
    state, env = run.state, run.env
    resource = str(state.get("Resource", ""))
    integration = resolve(resource)
    if integration is None:
        raise StatesError(
            errors.RUNTIME, f"The Resource '{resource}' is not a Task resource this engine can run."
        )
    effective = dataflow.state_input(state, raw, env)
    token: str | None = None
    if integration.pattern == "waitForTaskToken":
        token = callbacks.new_token()
        env = replace(env, context={**env.context, "Task": {"Token": token}})
        run.env = env
    params = dataflow.arguments(state, effective, env)
    timeout = _seconds(run, effective, "TimeoutSeconds")
    heartbeat = _seconds(run, effective, "HeartbeatSeconds")
    start = run.clock.now()
    deadline = start + timedelta(seconds=timeout) if timeout else None
    result = _invoke(run, integration, params, token, deadline, timeout, heartbeat)
    try:
        output, assigned = dataflow.finish(state, raw, result, env, has_result=True, assign_data=result)
    except StatesError as exc:
        # The task has done its work and its result was received: a retry would do it again.
        exc.after_result = True
        raise
    return StateOutcome(output, next_of(state), assigned)


def _invoke(
    run: StateRun,
    integration: Integration,
    params: Any,
    token: str | None,
    deadline: datetime | None,
    timeout: int | None,
    heartbeat: int | None,
) -> Any:
    services = run.services
    bare_lambda = integration.kind == "lambda-function"
    prefix = "LambdaFunction" if bare_lambda else "Task"
    lower = "lambdaFunction" if bare_lambda else "task"
    if bare_lambda:
        scheduled: dict[str, Any] = {
            "resource": integration.resource,
            "input": history.to_json(params),
            "inputDetails": {"truncated": False},
        }
        if timeout:
            scheduled["timeoutInSeconds"] = timeout
        run.event("LambdaFunctionScheduled", lambdaFunctionScheduledEventDetails=scheduled)
        run.event("LambdaFunctionStarted")
    else:
        scheduled = {
            "resourceType": integration.resource_type,
            "resource": integration.resource_name,
            "region": services.region,
            "parameters": history.to_json(params),
        }
        if timeout:
            scheduled["timeoutInSeconds"] = timeout
        if heartbeat:
            scheduled["heartbeatInSeconds"] = heartbeat
        run.event("TaskScheduled", taskScheduledEventDetails=scheduled)
        run.event(
            "TaskStarted",
            taskStartedEventDetails={
                "resourceType": integration.resource_type,
                "resource": integration.resource_name,
            },
        )
    ident = (
        {}
        if bare_lambda
        else {"resourceType": integration.resource_type, "resource": integration.resource_name}
    )
    # Outside the try: a mocked state that ran out of responses fails with States.Runtime, not
    # as a task failure that Retry/Catch on States.ALL would handle.
    mocked = services.mocked_response(
        run.execution_arn, run.name, int(run.env.context["State"].get("RetryCount", 0))
    )
    try:
        if mocked is not None:
            if integration.pattern and not bare_lambda:
                # A callback or .sync task is submitted before its result arrives; the mock
                # stands for the result, so the submission has no service response to show.
                run.event("TaskSubmitted", taskSubmittedEventDetails={**ident})
            result = _mocked(mocked)
        else:
            result = _call(run, integration, params, token, deadline, heartbeat)
        # The raw result counts against the 256 KiB limit even if Output/ResultSelector shrink it.
        dataflow.check_size(result, run.name)
    except callbacks.TaskTimedOut as exc:
        run.event(
            f"{prefix}TimedOut",
            **{f"{lower}TimedOutEventDetails": {**ident, "error": exc.error, "cause": exc.cause}},
        )
        raise
    except StatesError as exc:
        failure = exc if isinstance(exc, ReportedError) else TaskFailure(exc.error, exc.cause)
        run.event(
            f"{prefix}Failed",
            **{f"{lower}FailedEventDetails": {**ident, "error": failure.error, "cause": failure.cause}},
        )
        raise failure from None
    run.event(
        f"{prefix}Succeeded",
        **{
            f"{lower}SucceededEventDetails": {
                **ident,
                "output": history.to_json(result),
                "outputDetails": {"truncated": False},
            }
        },
    )
    return result


def _mocked(mocked: dict[str, Any]) -> Any:
    if "Throw" in mocked:
        throw = mocked["Throw"]
        raise TaskFailure(str(throw.get("Error", "")), str(throw.get("Cause", "")))
    return mocked.get("Return")


def _call(
    run: StateRun,
    integration: Integration,
    params: Any,
    token: str | None,
    deadline: datetime | None,
    heartbeat: int | None,
) -> Any:
    services = run.services
    record: callbacks.TokenRecord | None = None
    if token is not None:
        record = callbacks.TokenRecord(token, run.execution_arn, run.name, heartbeat)
        services.register_token(token, record)
    try:
        if integration.pattern.startswith("sync") and integration.service != "states":
            # Not emulated: running the call request-response would silently skip the wait.
            raise TaskFailure(
                errors.RUNTIME,
                f"The Resource '{integration.resource}' asks to wait for the job (.{integration.pattern}); "
                "the local engine runs that pattern only for states:startExecution.",
            )
        if integration.kind == "lambda-function":
            return lambda_integration.invoke(services, integration.resource, params)
        if integration.service == "lambda" and integration.action == "invoke":
            response = lambda_integration.invoke_envelope(services, params)
        elif integration.service == "states" and integration.action == "startExecution":

            def submitted(started: Any) -> None:
                # AWS records a .sync task's submission before the result arrives.
                run.event(
                    "TaskSubmitted",
                    taskSubmittedEventDetails={
                        "resourceType": integration.resource_type,
                        "resource": integration.resource_name,
                        "output": history.to_json(started),
                        "outputDetails": {"truncated": False},
                    },
                )

            response = nested.start(services, run.branch, integration, params, deadline, submitted)
        elif integration.service == "http" and integration.action == "invoke":
            response = http.invoke(services, params)
        elif integration.kind == "activity":
            raise TaskFailure(errors.RUNTIME, "Activity tasks are not supported by the local engine.")
        else:
            response = aws_sdk.call(services, integration, params, run.name)
        if record is None:
            return response
        run.event(
            "TaskSubmitted",
            taskSubmittedEventDetails={
                "resourceType": integration.resource_type,
                "resource": integration.resource_name,
                "output": history.to_json(response),
                "outputDetails": {"truncated": False},
            },
        )
        return callbacks.await_token(run.branch, record, deadline)
    finally:
        if token is not None:
            services.forget_token(token)
