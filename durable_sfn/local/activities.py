"""Load @activity (and @entity) functions from a module, a package or a file; register activities.

`durable-sfn serve --activities lambdas` and `durable-sfn run --activities lambdas.orders` load
activities this way: importing the module (and, for a package, its submodules) and keeping
every function that carries an activity definition. Each becomes a Lambda-style handler on the
engine through `durable_sfn.lambda_entry.invoke_activity`, exactly as deployed Lambdas run.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from durable_sfn.definitions import DuplicateDefinitionError, find_definitions
from durable_sfn.dsl import ActivityDefinition, activity_definition
from durable_sfn.entities.model import entity_definition
from durable_sfn.lambda_entry import invoke_activity


class ActivityLoadError(RuntimeError):
    """An activities module could not be imported; the message names it and the cause."""


def package_root(path: Path) -> Path:
    """The folder from which `path` (a file or a folder) imports as part of its package.

    Walk up while the folder is a package (has `__init__.py`) and return its parent:
    /proj/statemachines/order.py, with /proj/statemachines/__init__.py, gives /proj, which is
    where `from lambdas.orders import ...` in that file resolves. A file outside any package
    gives its own folder.
    """
    folder = path.resolve()
    if not folder.is_dir():
        folder = folder.parent
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        folder = folder.parent
    return folder


def add_import_root(path: Path | None = None) -> Path:
    """Make `path`'s package root (default: the current directory) importable; return it.

    Orchestrators, activities and setup hooks import their project's packages by absolute name
    (`lambdas.orders.activities`), as they do when run from the project root. Adding the
    package root of the file the user named makes that work from any directory.
    """
    root = Path.cwd().resolve() if path is None else package_root(path)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return root


def _import(spec: str) -> ModuleType:
    path = Path(spec)
    try:
        if spec.endswith(".py") or path.is_file():
            if not path.is_file():
                raise ActivityLoadError(f"activities file {spec!r} does not exist")
            add_import_root(path)
            name = "durable_sfn_activities_" + path.stem
            module_spec = importlib.util.spec_from_file_location(name, path)
            if module_spec is None or module_spec.loader is None:
                raise ActivityLoadError(f"cannot import {spec!r} as a Python module")
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module
            module_spec.loader.exec_module(module)
            return module
        add_import_root()
        return importlib.import_module(spec)
    except ActivityLoadError:
        raise
    except Exception as exc:
        raise ActivityLoadError(
            f"cannot import activities from {spec!r}: {type(exc).__name__}: {exc} "
            "(give a dotted module path importable from the current directory, or a .py file)"
        ) from None


def _modules(module: ModuleType) -> Iterable[ModuleType]:
    yield module
    search_path = getattr(module, "__path__", None)
    if search_path is None:
        return
    for info in pkgutil.walk_packages(search_path, module.__name__ + "."):
        try:
            yield importlib.import_module(info.name)
        except Exception as exc:
            raise ActivityLoadError(
                f"cannot import {info.name} (under activities package {module.__name__}): "
                f"{type(exc).__name__}: {exc}"
            ) from None


def find_activities(specs: Iterable[str]) -> dict[str, ActivityDefinition]:
    """Activity name -> definition for every @activity in the given modules/packages/files."""
    modules = [module for spec in specs for module in _modules(_import(spec))]
    try:
        return find_definitions(activity_definition, *modules, duplicates="error")
    except DuplicateDefinitionError as exc:
        first, second = exc.first, exc.second
        raise ActivityLoadError(
            f"two activities are named {first.name!r}: {first.source_file}:{first.line} "
            f"and {second.source_file}:{second.line}; rename one"
        ) from None


def find_entities(specs: Iterable[str]) -> list[Callable[..., Any]]:
    """The `@entity` functions in the given modules/packages/files (entities live beside activities)."""
    modules = [module for spec in specs for module in _modules(_import(spec))]
    return [definition.function for definition in find_definitions(entity_definition, *modules).values()]


def register_activities(engine: Any, activities: Iterable[ActivityDefinition]) -> list[str]:
    """Register each activity as a Lambda handler on a LocalStepFunctions; return the names."""
    names = []
    for definition in activities:
        fn = definition.function

        def handler(event: Any, context: Any, fn: Any = fn) -> Any:
            return invoke_activity(fn, event, context)

        engine.register_lambda(definition.name, handler)
        names.append(definition.name)
    return names
