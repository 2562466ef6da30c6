"""`durable-sfn compile`: files and folders, --stdout, --check, and errors as file:line:col."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from durable_sfn.cli import app

GOLDEN = Path(__file__).parent / "golden"
FUNCTIONS = {
    "order_processing",
    "process_all_orders",
    "price_all",
    "product_info",
    "price_catalogue",
    "ship_eligible",
    "shadowed_names",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(GOLDEN / "order_processing.py", tmp_path / "order_processing.py")
    shutil.copy(GOLDEN / "fan_out.py", tmp_path / "fan_out.py")
    (tmp_path / "notes.py").write_text("x = 1\n", encoding="utf-8")  # no orchestrator: ignored
    return tmp_path


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["compile", *args])


def test_compiling_a_folder_writes_one_definition_per_orchestrator(project: Path) -> None:
    result = invoke(str(project))
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in project.glob("*.asl.json"))
    assert written == sorted(f"{name}.asl.json" for name in FUNCTIONS)
    text = (project / "order_processing.asl.json").read_text(encoding="utf-8")
    assert text == (GOLDEN / "order_processing.asl.json").read_text(encoding="utf-8")
    assert text.endswith("}\n") and json.loads(text)["QueryLanguage"] == "JSONata"


def test_stdout_prints_instead_of_writing(project: Path) -> None:
    result = invoke(str(project / "order_processing.py"), "--stdout")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["StartAt"] == "Set order_id"
    assert not list(project.glob("*.asl.json"))


def test_check_fails_on_missing_or_stale_and_passes_when_fresh(project: Path) -> None:
    source = str(project / "order_processing.py")
    missing = invoke(source, "--check")
    assert missing.exit_code == 1 and "missing" in missing.output
    assert invoke(source).exit_code == 0
    assert invoke(source, "--check").exit_code == 0
    target = project / "order_processing.asl.json"
    target.write_text(
        target.read_text(encoding="utf-8").replace("Validating order", "Checking"), encoding="utf-8"
    )
    stale = invoke(source, "--check")
    assert stale.exit_code == 1 and "stale" in stale.output


def test_compile_errors_are_reported_as_file_line_col_with_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from datetime import datetime\n"
        "from durable_sfn import orchestrator\n\n\n"
        "@orchestrator\n"
        "async def bad(ctx):\n"
        "    now = datetime.now()\n"
        "    return now\n",
        encoding="utf-8",
    )
    result = invoke(str(bad))
    assert result.exit_code == 1
    assert f"{bad}:7:11: DSF003" in result.output
    assert "hint: use ctx.current_utc_datetime" in result.output
    assert "Traceback" not in result.output
    assert not list(tmp_path.glob("*.asl.json"))


def test_a_file_without_orchestrators_and_a_missing_path_are_errors(project: Path) -> None:
    assert invoke(str(project / "notes.py")).exit_code == 1
    assert "no such file" in invoke(str(project / "nope.py")).output


def test_activity_names_are_resolved_from_imported_modules_without_importing(tmp_path: Path) -> None:
    pkg = tmp_path / "shop"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "activities.py").write_text(
        "from durable_sfn import activity\n\n"
        "raise SystemExit('the compiler must not import this module')\n\n"
        "@activity(name='ChargeCard')\n"
        "def charge(x):\n    return x\n\n"
        "@activity\n"
        "def ship_parcel(x):\n    return x\n",
        encoding="utf-8",
    )
    (pkg / "flow.py").write_text(
        "from durable_sfn import orchestrator\n"
        "from shop.activities import charge\n"
        "from shop import activities\n\n"
        "@orchestrator(name='Shop')\n"
        "async def shop(ctx):\n"
        "    a = await ctx.call_activity(charge, 1)\n"
        "    return await ctx.call_activity(activities.ship_parcel, a)\n",
        encoding="utf-8",
    )
    result = invoke(str(pkg / "flow.py"), "--stdout")
    assert result.exit_code == 0, result.output
    functions = [s["Arguments"]["FunctionName"] for s in json.loads(result.stdout)["States"].values()]
    assert functions == ["${ChargeCard}", "${ShipParcel}"]
