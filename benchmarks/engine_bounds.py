"""Hostile definitions against the engine's bounds: how long each takes, how much memory, CPU after a stop.

Each probe runs in its own process (the table shows how far its peak RSS grew), under a 6 GiB address-space
limit so that an unbounded one fails instead of exhausting the machine.

python -m benchmarks engine_bounds
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

PROBES: dict[str, tuple[str, str]] = {
    # name: (definition as a Python expression over the helpers below, input JSON)
    "recursive function": ("jsonata('($f := function($n){ $f($n + 1) }; $f(0))')", "{}"),
    "mutual recursion": (
        "jsonata('($a := function($n){ $b($n + 1) }; $b := function($n){ $a($n + 1) }; $a(0))')",
        "{}",
    ),
    "$eval of a recursive function": (
        "jsonata(\"$eval('($f := function($n){ $f($n + 1) }; $f(0))')\")",
        "{}",
    ),
    "backtracking $match": ("jsonata(\"$match('" + "a" * 32 + "!', /(a+)+$/)\")", "{}"),
    "States.JsonToString x27": ("jsonpath(nested(27))", '{"a": "\\"x\\""}'),
    "States.ArrayRange(0, 1e8, 1)": ("jsonpath('States.ArrayRange(0, 100000000, 1)')", "{}"),
    "$pad('', 1e9)": ("jsonata(\"$pad('', 1e9)\")", "{}"),
    "$range(0, 1e8, 1)": ("jsonata('$range(0, 100000000, 1)')", "{}"),
}

_RUNNER = textwrap.dedent(
    """
    import json, resource, sys, time
    resource.setrlimit(resource.RLIMIT_AS, (6 * 2**30, 6 * 2**30))
    from durable_sfn.engine import LocalStepFunctions

    def jsonata(expr):
        return {"QueryLanguage": "JSONata", "StartAt": "S",
                "States": {"S": {"Type": "Pass", "Output": "{% " + expr + " %}", "End": True}}}

    def jsonpath(expr):
        return {"StartAt": "S", "States": {"S": {"Type": "Pass", "Parameters": {"x.$": expr}, "End": True}}}

    def nested(depth):
        expr = "$.a"
        for _ in range(depth):
            expr = f"States.JsonToString({expr})"
        return expr

    definition, value = eval(sys.argv[1]), sys.argv[2]
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sfn = LocalStepFunctions()
    arn = sfn.create_state_machine(name="probe", definition=json.dumps(definition),
                                   roleArn="arn:aws:iam::123456789012:role/probe")["stateMachineArn"]
    started = time.perf_counter()
    out = sfn.wait_for_execution(sfn.start_execution(stateMachineArn=arn, input=value)["executionArn"], timeout=60)
    seconds = time.perf_counter() - started
    growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024
    print(json.dumps({"status": out["status"], "error": out.get("error"), "seconds": seconds, "growth_mb": growth}))
    """
)

_CPU_AFTER_STOP = textwrap.dedent(
    """
    import json, resource, time
    from durable_sfn.engine import LocalStepFunctions

    def cpu():
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    definition = {"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Pass",
                  "Output": "{% ($f := function($n){ $f($n + 1) }; $f(0)) %}", "End": True}}}
    sfn = LocalStepFunctions()
    arn = sfn.create_state_machine(name="endless", definition=json.dumps(definition),
                                   roleArn="arn:aws:iam::123456789012:role/probe")["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    time.sleep(0.5)
    sfn.stop_execution(executionArn=run)
    time.sleep(0.1)
    before = cpu()
    time.sleep(2.0)
    print(json.dumps({"cpu_seconds_in_2s": cpu() - before}))
    """
)


def main() -> None:
    print(f"{'probe':32} {'status':8} {'error':30} {'seconds':>8} {'+RSS MB':>8}")
    for name, (definition, value) in PROBES.items():
        done = subprocess.run(
            [sys.executable, "-c", _RUNNER, definition, value],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        lines = done.stdout.strip().splitlines()
        if done.returncode != 0 or not lines:
            print(f"{name:32} process failed: {done.stderr.strip().splitlines()[-1:]}")
            continue
        seen = json.loads(lines[-1])
        print(
            f"{name:32} {seen['status']:8} {seen['error'] or '':30} {seen['seconds']:8.2f} {seen['growth_mb']:8}",
            flush=True,
        )
    done = subprocess.run(
        [sys.executable, "-c", _CPU_AFTER_STOP], capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode == 0:
        cpu = json.loads(done.stdout.strip().splitlines()[-1])["cpu_seconds_in_2s"]
        print(f"CPU in the 2 s after StopExecution of an endless evaluation: {cpu:.2f} s")


if __name__ == "__main__":
    main()
