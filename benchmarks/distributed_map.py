"""An orchestrator fanning out over 10,000 / 100,000 / 1,000,000 JSON Lines items in S3 (moto),
in batches of 100, each batch summed by an in-process activity: wall time, CPU time and peak RSS.

CPU time is printed next to wall time because on a shared machine the wall time mostly measures
the other processes.

Each size runs in its own process, so each peak RSS is that run's alone. The orchestrator is
compiled (a Distributed Map with ItemReader JSONL and ItemBatcher) and run on the local engine;
"setup" is the process with moto holding the object before the run starts.

python -m benchmarks distributed_map                      # all three sizes
python -m benchmarks.distributed_map 10000 100000         # chosen sizes
"""

from __future__ import annotations

import gc
import io
import itertools
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from durable_sfn import JsonValue, OrchestrationContext, activity, orchestrator

SIZES = (10_000, 100_000, 1_000_000)
BUCKET = "benchmark-orders"
KEY = "exports/orders.jsonl"


@activity(name="BenchSumBatch")
def sum_batch(batch: list[dict[str, Any]]) -> int:
    return sum(order["cents"] for order in batch)


@orchestrator(name="BenchDistributedMap")
async def sum_orders(ctx: OrchestrationContext, data: dict[str, Any]) -> JsonValue:
    totals = await ctx.task_all(
        [
            ctx.call_activity(sum_batch, batch)
            for batch in ctx.s3_items(data["bucket"], data["key"], "jsonl", batch_size=100)
        ]
    )
    return {"batches": len(totals), "cents": sum(totals)}


def _peak_rss_mb() -> float:
    """This process's peak RSS since the last `_reset_peak()` (Linux VmHWM), else since it started."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> bool:
    """Start measuring the peak RSS afresh (Linux: writing 5 to clear_refs resets VmHWM)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def child(items: int) -> dict[str, Any]:
    """One run in this process: seed moto, compile, run, and report."""
    import boto3
    from moto import mock_aws

    from durable_sfn._aws import lambda_function_arn
    from durable_sfn.asl.placeholders import substitute_placeholders
    from durable_sfn.engine import LocalStepFunctions, MotoClients
    from durable_sfn.lambda_entry import invoke_activity
    from durable_sfn.testing.compiled import compiled_definition

    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        body = io.BytesIO()
        for start in range(0, items, 10_000):
            end = min(start + 10_000, items)
            body.write(b"".join(b'{"id":%d,"cents":%d}\n' % (i, i % 1000) for i in range(start, end)))
        s3.put_object(Bucket=BUCKET, Key=KEY, Body=body.getvalue())
        del body
        sfn = LocalStepFunctions(aws_client_factory=MotoClients())
        sfn.register_lambda(
            "BenchSumBatch", lambda event, context: invoke_activity(sum_batch, event, context)
        )
        definition = substitute_placeholders(
            compiled_definition(sum_orders), {"BenchSumBatch": lambda_function_arn("BenchSumBatch")}
        )
        arn = sfn.create_state_machine(name="BenchDistributedMap", definition=json.dumps(definition))[
            "stateMachineArn"
        ]
        setup = _peak_rss_mb()
        gc.collect()
        reset = _reset_peak()
        cpu_started = time.process_time()
        started = time.perf_counter()
        run = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"bucket": BUCKET, "key": KEY}))
        result = sfn.wait_for_execution(run["executionArn"])
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        assert result["status"] == "SUCCEEDED", result
        output = json.loads(result["output"])
        expected = sum(i % 1000 for i in range(items))
        assert output == {"batches": -(-items // 100), "cents": expected}, output
        return {
            "items": items,
            "wall": wall,
            "cpu": cpu,
            "setup_mb": setup,
            "peak_mb": _peak_rss_mb(),
            "peak_is_run": reset,
            "batches": output["batches"],
        }


def main(argv: list[str] | None = None) -> None:
    sizes = [int(a) for a in argv] if argv else list(SIZES)
    print("fan-out over JSON Lines in S3 (moto), batches of 100, one in-process activity per batch")
    figures = []
    for n in sizes:
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.distributed_map", "--child", str(n)],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            print(out.stderr[-2000:])
            raise SystemExit(f"the run over {n:,} items failed")
        fig = json.loads(out.stdout.strip().splitlines()[-1])
        figures.append(fig)
        print(
            f"  {n:>9,} items ({fig['batches']:>6,} children): {fig['wall']:7.2f} s wall, "
            f"{fig['cpu']:7.2f} s CPU, {n / fig['wall']:>9,.0f} items/s, peak RSS {fig['peak_mb']:6.0f} MB "
            f"during the run (setup peak {fig['setup_mb']:.0f} MB)",
            flush=True,
        )
    for a, b in itertools.pairwise(figures):
        ratio = b["items"] / a["items"]
        print(
            f"  {ratio:.0f}x items -> {b['wall'] / a['wall']:.1f}x wall, {b['cpu'] / a['cpu']:.1f}x CPU, "
            f"{b['peak_mb'] / a['peak_mb']:.1f}x peak RSS"
        )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(child(int(sys.argv[2]))))
    else:
        main(sys.argv[1:])
