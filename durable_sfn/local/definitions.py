"""State machine definitions for the local engine: loaded from files, with local ARNs filled in.

A definition comes from an `.asl.json` file or from an orchestrator in a Python file
(`file.py` or `file.py:name`), compiled on the fly. Placeholders (`${Name}`) are filled with
local ARNs: orchestrators become state machines, every other name a Lambda function.
`durable-sfn validate`, `graph`, `run` and `serve` load definitions this way.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from durable_sfn._aws import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    HTTP_CONNECTION,
    connection_arn,
    lambda_function_arn,
    state_machine_arn,
)
from durable_sfn.asl.placeholders import find_placeholders, substitute_placeholders
from durable_sfn.compiler import compile_orchestrator
from durable_sfn.definitions import find_definitions
from durable_sfn.deploy_values import is_deploy_value
from durable_sfn.dsl import DefinitionError, OrchestratorDefinition, orchestrator_definition
from durable_sfn.local.activities import add_import_root


class DefinitionLoadError(RuntimeError):
    """A definition file cannot be found, imported or read; the message says which and why."""


@dataclass(frozen=True)
class LoadedDefinition:
    name: str  # the state machine name
    definition: dict[str, Any]  # placeholders not yet substituted
    source: str  # where it came from, for messages
    module: Any = None  # the Python module (orchestrator files), for its activities


def split_target(target: str) -> tuple[Path, str | None]:
    """`file.py:name` -> (file.py, name); Windows drive letters are not a concern here."""
    if ":" in target and target.rsplit(":", 1)[0].endswith(".py"):
        file, name = target.rsplit(":", 1)
        return Path(file), name
    return Path(target), None


def import_file(path: Path) -> Any:
    if not path.is_file():
        raise DefinitionLoadError(f"file {str(path)!r} does not exist")
    module_name = "durable_sfn_user_" + re.sub(r"\W", "_", path.stem)
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise DefinitionLoadError(f"cannot import {str(path)!r} as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    # Like `python -m package.file` run from the project root, wherever the command runs:
    # orchestrators import their activities as `lambdas.orders...`. The file's own folder and
    # the current directory stay importable too, for loose files.
    for folder in (str(path.resolve().parent), str(Path.cwd())):
        if folder not in sys.path:
            sys.path.insert(0, folder)
    add_import_root(path)  # inserted last, so it comes first: the file's project wins
    try:
        spec.loader.exec_module(module)
    except DefinitionError:
        raise
    except Exception as exc:
        raise DefinitionLoadError(f"importing {path} failed: {type(exc).__name__}: {exc}") from None
    return module


def orchestrators_in(module: Any) -> list[OrchestratorDefinition]:
    """The orchestrators defined in (or imported into) an imported module."""
    return list(find_definitions(orchestrator_definition, module).values())


def load_definitions(target: str) -> tuple[LoadedDefinition, list[LoadedDefinition]]:
    """(the one definition to act on, every definition from the same source).

    A Python file yields all its orchestrators (so sub-orchestrations resolve); an
    `.asl.json` file yields itself, named as `machine_name` says. A file that defines several
    orchestrators needs `file.py:name` here; `load_all` takes them all.
    """
    selected, loaded = load_all(target)
    if len(selected) > 1:
        path = split_target(target)[0]
        names = ", ".join(item.source for item in selected)
        raise DefinitionLoadError(f"{path} defines several orchestrators; choose one: {names}")
    return selected[0], loaded


def load_all(target: str) -> tuple[list[LoadedDefinition], list[LoadedDefinition]]:
    """(the definitions a target names, every definition from the same source).

    `file.py:name` names one orchestrator; `file.py` names every orchestrator the file defines
    itself (those it imports, its sub-orchestrations, are loaded but not named).
    """
    path, wanted = split_target(target)
    if path.suffix == ".py":
        module = import_file(path)
        orchestrators = orchestrators_in(module)
        if not orchestrators:
            raise DefinitionLoadError(f"{path} defines no @orchestrator function")
        loaded = [
            LoadedDefinition(
                o.name, compile_orchestrator(o.function), f"{path}:{o.function.__name__}", module
            )
            for o in orchestrators
        ]
        if wanted is None:
            own = [
                item
                for o, item in zip(orchestrators, loaded, strict=True)
                if Path(o.source_file).resolve() == path.resolve()
            ]
            return (own or loaded[:1]), loaded
        for orchestrator, item in zip(orchestrators, loaded, strict=True):
            if wanted in (orchestrator.name, orchestrator.function.__name__):
                return [item], loaded
        raise DefinitionLoadError(
            f"{path} has no orchestrator {wanted!r}; it defines: {', '.join(o.function.__name__ for o in orchestrators)}"
        )
    if not path.is_file():
        raise DefinitionLoadError(f"file {str(path)!r} does not exist")
    try:
        definition = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DefinitionLoadError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    if not isinstance(definition, dict):
        raise DefinitionLoadError(f"{path}: a state machine definition must be a JSON object")
    item = LoadedDefinition(machine_name(path, definition), definition, str(path))
    return [item], [item]


def definitions_at(target: str) -> list[LoadedDefinition]:
    """Every definition a `serve --definitions` target names: a file, or a folder of them.

    A folder gives its compiled `*.asl.json` files when it has some, else the orchestrators of
    its `*.py` files; a `.py` file gives all its orchestrators, `file.py:name` that one and the
    sub-orchestrations it calls, an `.asl.json` file itself.
    """
    path = Path(target)
    if path.is_dir():
        files = sorted(path.glob("*.asl.json"))
        if files:
            return [load_definitions(str(f))[0] for f in files]
        found: dict[str, LoadedDefinition] = {}
        for source in sorted(path.glob("*.py")):
            orchestrators = orchestrators_in(import_file(source))
            if orchestrators:
                for item in load_definitions(f"{source}:{orchestrators[0].function.__name__}")[1]:
                    found.setdefault(item.name, item)
        if not found:
            raise DefinitionLoadError(f"no *.asl.json files and no @orchestrator functions in {path}")
        return list(found.values())
    selected, loaded = load_all(target)
    if split_target(target)[1] is None:
        return loaded
    return with_sub_orchestrations(selected, loaded)


def with_sub_orchestrations(
    selected: list[LoadedDefinition], loaded: list[LoadedDefinition]
) -> list[LoadedDefinition]:
    """`selected` and, transitively, the loaded orchestrators their definitions start."""
    by_name = {item.name: item for item in loaded}
    chosen = {item.name: item for item in selected}
    pending = list(selected)
    while pending:
        for name in find_placeholders(pending.pop().definition):
            if name in by_name and name not in chosen:
                chosen[name] = by_name[name]
                pending.append(by_name[name])
    return list(chosen.values())


_COMPILED_COMMENT = re.compile(r"^([A-Za-z][A-Za-z0-9_-]{0,79}): compiled from ")


def machine_name(path: Path, definition: dict[str, Any]) -> str:
    """The orchestrator name a compiled definition records in its Comment, else the file name.

    `durable-sfn compile` names files after their module but state machines are named after
    their orchestrator (which is what `${Name}` placeholders and clients refer to).
    """
    comment = definition.get("Comment")
    if isinstance(comment, str):
        match = _COMPILED_COMMENT.match(comment)
        if match:
            return match.group(1)
    return path.name.removesuffix(".json").removesuffix(".asl")


def local_arns(
    definition: dict[str, Any],
    orchestrator_names: set[str],
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
) -> dict[str, str]:
    """Placeholder -> ARN: orchestrators to state machines, the HTTP Tasks' connection to a local
    stand-in, everything else to Lambda functions."""
    arns = {}
    for name in find_placeholders(definition):
        if is_deploy_value(name):
            continue  # an os.environ read: filled from the environment (`deploy_value_fills`)
        if name == HTTP_CONNECTION:
            arns[name] = connection_arn("durable-sfn-local", region=region, account=account)
        elif name in orchestrator_names:
            arns[name] = state_machine_arn(name, region=region, account=account)
        else:
            arns[name] = lambda_function_arn(name, region=region, account=account)
    return arns


def substitute(definition: dict[str, Any], arns: dict[str, str]) -> dict[str, Any]:
    """Fill `${Name}` placeholders with `arns` (see `durable_sfn.asl.substitute_placeholders`)."""
    return substitute_placeholders(definition, arns)
