"""`make run` in-process: every scenario runs on the local engine and ends as expected."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from statemachines.run import compress_path, main
from statemachines.scenarios import BULK_KEY, SCENARIOS


def run(tmp_path: Path, *keys: str) -> tuple[int, str]:
    buffer = io.StringIO()
    argv = [arg for key in keys for arg in ("--only", key)] + ["--log-file", str(tmp_path / "run.log")]
    code = main(argv, console=Console(file=buffer, width=140, force_terminal=False))
    return code, buffer.getvalue()


def test_make_run_plays_every_scenario(tmp_path: Path) -> None:
    keys = [s.key for s in SCENARIOS]
    code, text = run(tmp_path, *keys)
    assert code == 0, text
    assert f"{len(keys)}/{len(keys)} scenarios as expected" in text
    for scenario in SCENARIOS:
        assert f"✓ {scenario.title}" in text
    # The live table shows custom statuses; the report shows outputs and paths.
    assert "Awaiting manager approval" in text
    assert '"Phase": "Complete", "Progress": 100' in text
    assert "CheckOperationStatus (x30)" in text
    assert "ord-1001@customers.example.com: 62 points from 1 order(s)" in text
    # Activity logs went to the log file, not the screen.
    assert '"level":"INFO"' not in text
    assert '"correlation_id"' in (tmp_path / "run.log").read_text()


def test_unknown_scenario_is_reported(tmp_path: Path) -> None:
    code, text = run(tmp_path, "nope")
    assert code == 2
    assert "no scenario matches" in text and "order-success" in text


def test_compress_path_counts_repeated_states() -> None:
    assert compress_path(["A", "Loop", "B", "Loop", "B", "Loop", "End"]) == "A → Loop (x3) → B (x2) → End"


def test_bulk_orders_show_their_map_items(tmp_path: Path) -> None:
    """`make run`'s large batch (10,000 bulk orders by default) at a small size: 150 orders are two
    batches, one of them part-full, each settled in transactions of up to 49 orders."""
    buffer = io.StringIO()
    argv = [
        "--only",
        "batch-large",
        "--only",
        BULK_KEY,
        "--orders",
        "150",
        "--log-file",
        str(tmp_path / "run.log"),
    ]
    code = main(argv, console=Console(file=buffer, width=160, force_terminal=False))
    text = buffer.getvalue()
    assert code == 0, text
    assert "✓ Batch: 150 orders over S3" in text
    assert '"TotalProcessed": 150, "Successful": 150, "Failed": 0, "TotalRevenue": 1500' in text
    # The Map items column: the Distributed Maps' progress as DescribeMapRun reports it.
    assert "12/12" in text and "150/150" in text


def test_the_bulk_orders_are_a_scenario_of_their_own(tmp_path: Path) -> None:
    code, text = run(tmp_path, "batch-large")  # --only another scenario: no bulk orders
    assert code == 0 and "orders over S3" not in text, text
    buffer = io.StringIO()
    argv = ["--only", BULK_KEY, "--orders", "0", "--log-file", str(tmp_path / "run.log")]
    assert main(argv, console=Console(file=buffer, width=140, force_terminal=False)) == 2
    assert "no scenario matches" in buffer.getvalue() and BULK_KEY in buffer.getvalue()
