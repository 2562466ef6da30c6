"""What the operations commands share: loading definitions, building clients, reporting errors.

A definition comes from an `.asl.json` file or from an orchestrator in a Python file
(`file.py` or `file.py:name`), compiled on the fly. Placeholders (`${Name}`) are filled with
local ARNs the way `durable_sfn.asl.substitute_placeholders` does for tests.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console

from durable_sfn.activity_loader import add_import_root
from durable_sfn.dsl import DefinitionError, OrchestratorDefinition, orchestrator_definition

REGION = "us-east-1"
ACCOUNT = "123456789012"
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9_-]*)\}")

err_console = Console(stderr=True, highlight=False, soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])


class UsageError(RuntimeError):
    """A mistake in what the user asked for: reported as one line, exit status 1."""


def fail(message: str) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    raise typer.Exit(1)


def reports_errors(fn: F) -> F:
    """Turn the errors users can cause into one line on stderr and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            fail(describe_error(exc))

    return wrapper  # type: ignore[return-value]


def describe_error(exc: BaseException) -> str:
    """One readable line (or block, for compile diagnostics) for any error a command meets."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response["Error"]
        return f"{error.get('Code')}: {error.get('Message')}"
    name = type(exc).__name__
    if name in ("NoCredentialsError", "PartialCredentialsError"):
        return "no AWS credentials found: configure them (aws configure, AWS_PROFILE) or pass --profile"
    if name == "NoRegionError":
        return "no AWS region set: pass --region or set AWS_REGION"
    if name == "EndpointConnectionError":
        return f"cannot reach the endpoint ({exc}): is `durable-sfn serve` running, is --endpoint-url right?"
    if name in ("ProfileNotFound",):
        return str(exc)
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc}"
    if isinstance(exc, FileNotFoundError):
        return f"no such file: {exc.filename}"
    message = str(exc) or name
    if hasattr(exc, "diagnostics"):  # CompileError: its rendered diagnostics say it all
        return message
    known = (UsageError, DefinitionError, ValueError, RuntimeError, LookupError)
    return message if isinstance(exc, known) else f"{name}: {message}"


def parse_json_option(text: str | None, what: str) -> Any:
    """`--input '{"a": 1}'`, `--input @file.json` or a bare word taken as a JSON string."""
    if text is None:
        return None
    if text.startswith("@"):
        path = Path(text[1:])
        if not path.is_file():
            raise UsageError(f"{what} file {str(path)!r} does not exist")
        text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{what} is not valid JSON ({exc.msg} at column {exc.colno}): quote strings as "
            f"'\"text\"' or pass @file.json"
        ) from None


# -- definitions ----------------------------------------------------------------------------


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
        raise UsageError(f"file {str(path)!r} does not exist")
    module_name = "durable_sfn_user_" + re.sub(r"\W", "_", path.stem)
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise UsageError(f"cannot import {str(path)!r} as Python")
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
        raise UsageError(f"importing {path} failed: {type(exc).__name__}: {exc}") from None
    return module


def orchestrators_in(module: Any) -> list[OrchestratorDefinition]:
    found: dict[str, OrchestratorDefinition] = {}
    for value in vars(module).values():
        definition = orchestrator_definition(value)
        if definition is not None:
            found[definition.name] = definition
    return list(found.values())


def compile_definition(fn: Any) -> dict[str, Any]:
    """Compile one orchestrator to its ASL document (placeholders left in place)."""
    from durable_sfn.compiler import compile_orchestrator

    result: Any = compile_orchestrator(fn)
    for attribute in ("definition", "asl"):
        if not isinstance(result, dict) and hasattr(result, attribute):
            result = getattr(result, attribute)
    if not isinstance(result, dict) and hasattr(result, "to_asl"):
        result = result.to_asl()
    if isinstance(result, str):
        result = json.loads(result)
    if not isinstance(result, dict):
        raise UsageError(f"the compiler returned {type(result).__name__}, not an ASL document")
    return result


def load_definitions(target: str) -> tuple[LoadedDefinition, list[LoadedDefinition]]:
    """(the definition to act on, every definition from the same source).

    A Python file yields all its orchestrators (so sub-orchestrations resolve); an
    `.asl.json` file yields itself, named as `machine_name` says.
    """
    path, wanted = split_target(target)
    if path.suffix == ".py":
        module = import_file(path)
        orchestrators = orchestrators_in(module)
        if not orchestrators:
            raise UsageError(f"{path} defines no @orchestrator function")
        loaded = [
            LoadedDefinition(o.name, compile_definition(o.function), f"{path}:{o.function.__name__}", module)
            for o in orchestrators
        ]
        if wanted is None:
            # Orchestrators imported into the file (sub-orchestrations) are loaded but not chosen.
            own = [
                item
                for o, item in zip(orchestrators, loaded, strict=True)
                if Path(o.source_file).resolve() == path.resolve()
            ]
            if len(own) == 1:
                return own[0], loaded
            if len(loaded) > 1:
                names = ", ".join(f"{path}:{o.function.__name__}" for o in orchestrators)
                raise UsageError(f"{path} defines several orchestrators; choose one: {names}")
            return loaded[0], loaded
        for orchestrator, item in zip(orchestrators, loaded, strict=True):
            if wanted in (orchestrator.name, orchestrator.function.__name__):
                return item, loaded
        raise UsageError(
            f"{path} has no orchestrator {wanted!r}; it defines: {', '.join(o.function.__name__ for o in orchestrators)}"
        )
    if not path.is_file():
        raise UsageError(f"file {str(path)!r} does not exist")
    try:
        definition = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    if not isinstance(definition, dict):
        raise UsageError(f"{path}: a state machine definition must be a JSON object")
    item = LoadedDefinition(machine_name(path, definition), definition, str(path))
    return item, [item]


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


def placeholders(definition: dict[str, Any]) -> set[str]:
    return set(_PLACEHOLDER.findall(json.dumps(definition)))


def local_arns(
    definition: dict[str, Any], orchestrator_names: set[str], region: str = REGION, account: str = ACCOUNT
) -> dict[str, str]:
    """Placeholder -> ARN: orchestrators to state machines, everything else to Lambda functions."""
    arns = {}
    for name in placeholders(definition):
        if name in orchestrator_names:
            arns[name] = f"arn:aws:states:{region}:{account}:stateMachine:{name}"
        else:
            arns[name] = f"arn:aws:lambda:{region}:{account}:function:{name}"
    return arns


def substitute(definition: dict[str, Any], arns: dict[str, str]) -> dict[str, Any]:
    """Fill `${Name}` placeholders (the project's substitute_placeholders when present)."""
    try:
        from durable_sfn.asl import substitute_placeholders  # type: ignore[attr-defined]
    except ImportError:
        text = _PLACEHOLDER.sub(lambda m: arns.get(m.group(1), m.group(0)), json.dumps(definition))
        result: dict[str, Any] = json.loads(text)
        return result
    substituted: dict[str, Any] = substitute_placeholders(definition, arns)
    return substituted
