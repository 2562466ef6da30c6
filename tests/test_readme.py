"""The README and docs/ never lie: what they name exists, and their commands and code run as written.

Each page runs as one session (tests/doc_session.py says how: files written, Python run in order,
shell commands run in a scratch folder holding the reference application). What cannot run here
is listed in NOT_RUNNABLE with the reason; everything else must run and exit as the page says.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command

from durable_sfn.cli import app
from tests.doc_session import LANGUAGES, Block, blocks

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))]
README = (ROOT / "README.md").read_text()

# Commands (or the first line of a Python block) that cannot run here, with the reason.
_AWS = "deploys to or reads from a real AWS account: needs credentials and the deployed stacks"
NOT_RUNNABLE: dict[str, dict[str, str]] = {
    "README.md": {
        "make test": "it is the suite this test belongs to; running it here would recurse",
        "npx cdk bootstrap          # once per account and region (from the project root, after make install)": _AWS,
        "make deploy                # cdk deploy --all; prints each state machine's ARN and console link": _AWS,
    },
    "docs/deployment.md": {
        "npx cdk bootstrap          # once per account and region (from the project root, after make install)": _AWS,
        "make deploy                # cdk deploy --all; prints each state machine's ARN and console link": _AWS,
        'ORDERS_TABLE=<OrdersTableName> INVENTORY_TABLE=<InventoryTableName> PAYMENTS_TABLE=<PaymentsTableName> .venv/bin/python -c "from lambdas.common.resources import seed_orders; seed_orders()"': _AWS,
        "ARN=$(aws stepfunctions list-state-machines --query \"stateMachines[?name=='OrderProcessingOrchestration'].stateMachineArn\" --output text)": _AWS,
        'aws stepfunctions start-execution --state-machine-arn "$ARN:live" --name order-2001 --input \'"ORD-2001"\'': _AWS,
        ".venv/bin/durable-sfn start OrderProcessingOrchestration --input '\"ORD-2001\"' --instance-id order-2001-cli": _AWS,
        "import boto3": _AWS + " (the client reads an execution deployed on AWS)",
        '.venv/bin/durable-sfn events raise <instance> ManagerApproval \'{"Approved": true, "Approver": "dana"}\' --events-table <EventsTableName>': _AWS,
        "from aws_cdk import Stack": (
            "a CDK stack of the reader's own application (it imports `myapp`); tests/cdk synthesizes "
            "the Orchestration construct with the same arguments"
        ),
        "from durable_sfn.cdk import EventsTable": (
            "a fragment of the reader's CDK app (`stack`, `approve_invoice` are theirs); "
            "tests/cdk/test_events_table.py synthesizes EventsTable and the default one"
        ),
        "from durable_sfn.cdk import ManagementApi": (
            "a fragment of the reader's CDK app (`stack`, `order_processing`, `events`, `operator_role` "
            "are theirs); tests/cdk/test_management_api.py synthesizes ManagementApi"
        ),
    },
}
# Commands that need a tool this machine may lack: skipped, with the reason, when it is missing.
NEEDS_TOOL = {"-f svg": "dot", "aws stepfunctions list-state-machines --endpoint-url": "aws"}
# What a page's Python assumes is already there, run before its first block.
PRELUDES = {
    # docs/operations.md writes `boto3.client("stepfunctions")` against AWS. Here that client is the
    # local engine, with moto for DynamoDB and SQS: the world `durable-sfn serve` builds, with the
    # reference state machines, activities, entities and sample data.
    "docs/operations.md": """
import os

import boto3

from durable_sfn.entities.in_process import DEFAULT_TABLE
from durable_sfn.local.definitions import definitions_at
from durable_sfn.local.runtime import LocalRuntime

world = LocalRuntime(
    real_time=True, activity_modules=["lambdas"], setup=["lambdas.common.resources:create_and_seed"]
)
world.create_machines(definitions_at("statemachines"))
world.deliver_signals_continuously()
os.environ["DURABLE_SFN_ENTITIES_TABLE"] = DEFAULT_TABLE
os.environ["DURABLE_SFN_ENTITIES_QUEUE_URL"] = world.entities_queue_url
_boto3_client = boto3.client
boto3.client = lambda service, *a, **k: world.engine if service == "stepfunctions" else _boto3_client(service, *a, **k)
""",
}
# What must hold after a page ran, beyond every command exiting as documented.
OUTPUT_CONTAINS = {
    ("README.md", "make run"): "OrderProcessingOrchestration",
    (
        "docs/cli-and-server.md",
        "durable-sfn status order-1006                 # --json for the Durable-style status document",
    ): "OrderProcessingOrchestration",
}
FILES_CONTAIN = {
    "docs/cli-and-server.md": {"order.mmd": "flowchart", "path.mmd": "flowchart"},
    "README.md": {"readme_order.asl.json": '"QueryLanguage": "JSONata"'},
}


def _all_blocks() -> Iterator[Block]:
    for page in PAGES:
        yield from blocks(page)


def _named(text: str, pattern: str) -> set[str]:
    return set(re.findall(pattern, text, flags=re.M))


def _pages_text() -> str:
    return "\n".join((ROOT / page).read_text() for page in PAGES)


# -- what the pages name exists ---------------------------------------------------------------


def test_quickstart_is_exactly_the_two_commands() -> None:
    quickstart = [b for b in blocks("README.md") if b.heading == "Quickstart"]
    assert quickstart and quickstart[0].commands() == ["make run", "make test"]


def test_every_block_names_its_language() -> None:
    unnamed = [f"{b.doc}:{b.line}" for b in _all_blocks() if b.lang not in LANGUAGES]
    assert not unnamed, f"code blocks without python/bash/text: {unnamed}"


def test_every_make_target_named_exists() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = _named(makefile, r"^([a-z][a-z-]*):")
    named = _named(_pages_text(), r"`make ([a-z-]+)") | _named(_pages_text(), r"^make ([a-z-]+)")
    assert named, "the pages name no make target"
    assert named <= targets, f"pages name make targets the Makefile lacks: {sorted(named - targets)}"


def test_every_cli_command_named_exists() -> None:
    group: Any = get_command(app)
    commands = set(group.commands)
    named = _named(_pages_text(), r"durable-sfn ([a-z][a-z-]*)")
    assert named, "the pages name no durable-sfn command"
    assert named <= commands, f"pages name commands the CLI lacks: {sorted(named - commands)}"


def test_every_module_path_named_exists() -> None:
    """`durable_sfn.x.y` names a module or an attribute of one; `path/file.py` and benchmarks name files."""
    missing = []
    for dotted in sorted(_named(_pages_text(), r"\b(durable_sfn(?:\.\w+)+)")):
        if not _importable(dotted):
            missing.append(dotted)
    for path in sorted(
        _named(_pages_text(), r"`((?:durable_sfn|tests|stacks|lambdas|statemachines|benchmarks)/[\w/.]+)`")
    ):
        if not (ROOT / path.rstrip("/")).exists():
            missing.append(path)
    for benchmark in sorted(_named(_pages_text(), r"python -m benchmarks (\w+)")):
        if not (ROOT / "benchmarks" / f"{benchmark}.py").is_file():
            missing.append(f"benchmarks/{benchmark}.py")
    assert not missing, f"pages name modules or files that do not exist: {missing}"


def _importable(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            if not hasattr(value, name):
                return False
            value = getattr(value, name)
        return True
    return False


def test_every_link_between_pages_resolves() -> None:
    broken = []
    for page in PAGES:
        text = (ROOT / page).read_text()
        for target in re.findall(r"\]\(([^)#\s]+\.md)(?:#([\w-]+))?\)", text):
            path, anchor = (ROOT / page).parent / target[0], target[1]
            if not path.is_file():
                broken.append(f"{page} -> {target[0]}")
            elif anchor and anchor not in _anchors(path):
                broken.append(f"{page} -> {target[0]}#{anchor}")
    assert not broken, f"broken links: {broken}"


def _anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+ (.+)$", path.read_text(), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}


def test_not_runnable_entries_name_real_commands() -> None:
    """No stale entries: each one is a command or a Python block of its page."""
    for page, entries in NOT_RUNNABLE.items():
        present = set()
        for block in blocks(page):
            present.update(block.commands() if block.lang == "bash" else [block.first_line])
        stale = sorted(set(entries) - present)
        assert not stale, f"{page}: NOT_RUNNABLE names what the page no longer has: {stale}"


def test_python_that_cannot_run_here_still_compiles_and_imports() -> None:
    """Blocks not run here are at least valid Python whose imports of ours and of the CDK resolve."""
    for block in _all_blocks():
        if block.lang != "python" or block.first_line not in NOT_RUNNABLE.get(block.doc, {}):
            continue
        tree = ast.parse(block.text, filename=f"{block.doc}:{block.line}")
        for node in ast.walk(tree):
            checked = ("durable_sfn", "aws_cdk", "boto3")
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in checked:
                assert node.module is not None
                module = importlib.import_module(node.module)
                for alias in node.names:
                    assert hasattr(module, alias.name), (
                        f"{block.doc}:{block.line}: {node.module}.{alias.name}"
                    )


def test_the_project_layout_maps_every_package_and_what_it_imports() -> None:
    """The README's map lists each package of durable_sfn once, and each imports only what its line allows."""
    section = README[README.index("## Project layout") :]
    allowed: dict[str, set[str]] = {}
    for name, imports in re.findall(r"^\| `([\w/.]+)` \|.*\| ([\w, ]+) \|$", section, flags=re.M):
        package = name.removesuffix("/").removesuffix(".py")
        allowed[package] = set() if imports.strip() == "nothing" else {i.strip() for i in imports.split(",")}
    actual = _package_imports()
    assert sorted(allowed) == sorted(actual), "the layout table and durable_sfn/ list different packages"
    wrong = {p: sorted(actual[p] - allowed[p]) for p in actual if actual[p] - allowed[p]}
    assert not wrong, f"packages import what the README's layout does not allow: {wrong}"


def _package_imports() -> dict[str, set[str]]:
    """Top-level package (or module) of durable_sfn -> the other ones it imports, anywhere in its code."""
    library = ROOT / "durable_sfn"
    found: dict[str, set[str]] = {}
    for path in library.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if len(parts) == 2 and parts[1] == "__init__":
            continue  # the public face re-exports from below
        source = parts[1]
        package = parts[:-1]  # the package a relative import starts from (for __init__, itself)
        imports = found.setdefault(source, set())
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                names = [".".join([*base, *([node.module] if node.module else [])])]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                target = name.split(".")
                if target[0] == "durable_sfn" and len(target) > 1 and target[1] != source:
                    imports.add(target[1])
    return found


# -- the README's example behaves as the README says -------------------------------------------


@pytest.fixture()
def readme_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    source = next(b for b in blocks("README.md") if b.file_name)
    (tmp_path / source.file_name).write_text(source.text)  # type: ignore[operator]
    monkeypatch.syspath_prepend(str(tmp_path))
    name = Path(source.file_name or "").stem
    yield importlib.import_module(name)
    sys.modules.pop(name, None)


def test_the_example_orchestrator_agrees_direct_and_local(readme_module: Any) -> None:
    from durable_sfn.testing import run_direct, run_local

    for order in ({"OrderId": "ORD-7", "Items": ["a"]}, {"OrderId": "nope", "Items": []}):
        direct = run_direct(readme_module.readme_order, order)
        local = run_local(readme_module.readme_order, order)
        assert (direct.status, direct.output, direct.custom_status) == (
            local.status,
            local.output,
            local.custom_status,
        )
    assert run_local(readme_module.readme_order, {"OrderId": "nope", "Items": []}).output == {
        "Success": False,
        "Reason": "unknown order",
    }


# -- every page runs as written ----------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_as_written(page: str, tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    for folder in ("statemachines", "lambdas"):
        (scratch / folder).symlink_to(ROOT / folder)
    plan = {
        "doc": page,
        "scratch": str(scratch),
        "report": str(tmp_path / "report.json"),
        "not_runnable": NOT_RUNNABLE.get(page, {}),
        "needs_tool": NEEDS_TOOL,
        "prelude": PRELUDES.get(page),
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    # `make run` plays 10,000 bulk orders (about 40 s of CPU); here 100 go the same way, and
    # tests/e2e/test_make_run.py and tests/lambdas/test_large_batch.py check that path.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BULK_ORDERS": "100"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.doc_session", str(tmp_path / "plan.json")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, (
        f"{page} does not run as written:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    )
    ran = json.loads((tmp_path / "report.json").read_text())
    assert ran, f"{page} has nothing to run"
    outputs = {r["command"]: r["output"] for r in ran if r["skipped"] is None}
    for (doc, command), wanted in OUTPUT_CONTAINS.items():
        if doc == page:
            assert wanted in outputs[command], (
                f"{page}: `{command}` printed no {wanted!r}:\n{outputs[command]}"
            )
    for name, wanted in FILES_CONTAIN.get(page, {}).items():
        assert wanted in (scratch / name).read_text(), f"{page}: {name} lacks {wanted!r}"
