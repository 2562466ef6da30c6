"""`cdk synth` of the reference app, timed as a user runs it (target: under 30 s on 2 cores).

Runs the CDK CLI from node_modules twice into a temporary directory: the first run may build the
dependency layer with pip if its cache is empty, the second shows the everyday figure (layer from
cache). Also prints the in-process split between constructing the app and synthesizing it.
CDK's built-in CloudFormation validation (cfn-guard in WebAssembly) is off in the app: it took half
of the synthesis CPU time for warnings only.

python -m benchmarks cdk_synth
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cdk() -> list[str]:
    local = ROOT / "node_modules" / ".bin" / "cdk"
    if local.is_file():
        return [str(local)]
    found = shutil.which("cdk")
    if found is None:
        raise SystemExit("cdk_synth: the AWS CDK CLI is not installed (run `make install`)")
    return [found]


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join(
        [str(Path(sys.executable).parent), str(ROOT / "node_modules" / ".bin"), env["PATH"]]
    )
    env["JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"] = "1"
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")
    env.setdefault("CDK_DISABLE_VERSION_CHECK", "1")
    return env


def time_cli_synth(outdir: Path) -> tuple[float, float]:
    """Wall time and CPU time (user + sys of every process of the synth) in seconds.

    CPU time does not grow when other work shares the machine, so it approximates the wall time
    of the same synth on an idle machine (synthesis alternates between Node.js and Python)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [*_cdk(), "synth", "--quiet", "--no-notices", "--output", str(outdir)],
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"cdk synth failed:\n{result.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def time_in_process(outdir: Path) -> tuple[float, float]:
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from stacks import build_app

    started = time.perf_counter()
    app = build_app(outdir=str(outdir))
    built = time.perf_counter()
    app.synth()
    return built - started, time.perf_counter() - built


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cdk-synth-bench-") as tmp:
        first, first_cpu = time_cli_synth(Path(tmp) / "first")
        second, second_cpu = time_cli_synth(Path(tmp) / "second")
        construct, synth = time_in_process(Path(tmp) / "in-process")
    templates = "2 stacks"
    print(f"cdk synth (CLI, first run, may build the layer): {first:6.1f} s wall, {first_cpu:6.1f} s CPU")
    print(
        f"cdk synth (CLI, layer cached):                  {second:6.1f} s wall, {second_cpu:6.1f} s CPU"
        f"   target < 30 s ({templates})"
    )
    print(f"in-process: construct {construct:.1f} s + synthesize/validate {synth:.1f} s")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    context = json.loads((ROOT / "cdk.json").read_text()).get("context", {})
    builtin = context.get("builtinCloudFormationValidation", False)
    print(
        f"CDK built-in CloudFormation validation: {'on' if builtin else 'off'} (cdk-nag and cfn-lint check)"
    )


if __name__ == "__main__":
    main()
