"""Find orchestrators and resolve activity names by reading source, never importing user modules.

`@activity(name=...)` / `@orchestrator(name=...)` decorators are read from the orchestrator's
module and from the modules it imports (located on disk relative to the file, the working
directory and `sys.path`), so `ctx.call_activity(validate_order, ...)` compiles to the right
`${ValidateOrderActivity}` placeholder without running any user code.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

from durable_sfn.compiler import limits
from durable_sfn.compiler.frontend.module_names import NameResolver
from durable_sfn.compiler.frontend.scopes import ModuleInfo
from durable_sfn.dsl import pascal_case


@dataclass(frozen=True)
class FoundOrchestrator:
    name: str  # the orchestrator (state machine) name
    function: ast.AsyncFunctionDef


def _decorator_name(dec: ast.expr, kind: str, fn_name: str) -> str | None:
    """The registered name if `dec` is `@kind`, `@kind(name=...)` or `@module.kind(...)`."""
    target = dec.func if isinstance(dec, ast.Call) else dec
    dotted = (
        target.attr
        if isinstance(target, ast.Attribute)
        else target.id
        if isinstance(target, ast.Name)
        else ""
    )
    if dotted != kind:
        return None
    if isinstance(dec, ast.Call):
        for kw in dec.keywords:
            if kw.arg == "name" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                return kw.value.value
    return pascal_case(fn_name)


def find_orchestrators(tree: ast.Module) -> list[FoundOrchestrator]:
    found = []
    for node in tree.body:
        if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef):
            for dec in node.decorator_list:
                name = _decorator_name(dec, "orchestrator", node.name)
                if name is not None and isinstance(node, ast.AsyncFunctionDef):
                    found.append(FoundOrchestrator(name, node))
    return found


def _local_definitions(tree: ast.Module) -> tuple[dict[str, str], dict[str, str]]:
    activities: dict[str, str] = {}
    orchestrators: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef):
            for dec in node.decorator_list:
                a = _decorator_name(dec, "activity", node.name)
                if a is not None:
                    activities[node.name] = a
                o = _decorator_name(dec, "orchestrator", node.name)
                if o is not None:
                    orchestrators[node.name] = o
    return activities, orchestrators


class ModuleResolver:
    """Parses modules by dotted name from disk, caching each parse."""

    def __init__(self, file: Path) -> None:
        roots = [file.parent]
        package = file.parent
        while (package / "__init__.py").exists():
            package = package.parent
            roots.append(package)
        roots.append(Path.cwd())
        roots += [Path(p) for p in sys.path if p]
        self.roots = list(dict.fromkeys(roots))
        self.cache: dict[str, ast.Module | None] = {}

    def locate(self, dotted: str) -> Path | None:
        key = (tuple(self.roots), dotted)
        if key not in _LOCATED:
            _LOCATED[key] = self._locate(dotted)
        return _LOCATED[key]

    def _locate(self, dotted: str) -> Path | None:
        if not all(part.isidentifier() for part in dotted.split(".")):
            return None  # e.g. a relative import beyond the top of the package
        rel = Path(*dotted.split("."))
        for root in self.roots:
            for candidate in (root / rel.with_suffix(".py"), root / rel / "__init__.py"):
                if candidate.is_file():
                    return candidate
        return None

    def parse(self, dotted: str) -> ast.Module | None:
        top = dotted.split(".")[0]
        if top in sys.stdlib_module_names or top in _LIBRARIES:
            return None
        if dotted not in self.cache:
            path = self.locate(dotted)
            self.cache[dotted] = (
                _parse_file(path) if path is not None and "site-packages" not in path.parts else None
            )
        return self.cache[dotted]

    def definitions(self, dotted: str, depth: int = 0) -> tuple[dict[str, str], dict[str, str]]:
        """Activities and orchestrators a module defines or re-exports (one import level deep)."""
        path = self.locate(dotted)
        try:
            stamp = path.stat().st_mtime if path is not None else 0.0
        except OSError:
            stamp = 0.0
        key = (tuple(self.roots), dotted, depth, stamp)
        if key not in _FOUND:
            _FOUND[key] = self._definitions(dotted, depth)
        acts, orchs = _FOUND[key]
        return dict(acts), dict(orchs)

    def _definitions(self, dotted: str, depth: int) -> tuple[dict[str, str], dict[str, str]]:
        tree = self.parse(dotted)
        if tree is None:
            return {}, {}
        acts, orchs = _local_definitions(tree)
        if depth < 2:
            for node in tree.body:
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    sub_a, sub_o = self.definitions(node.module, depth + 1)
                    for alias in node.names:
                        local = alias.asname or alias.name
                        if alias.name in sub_a:
                            acts[local] = sub_a[alias.name]
                        if alias.name in sub_o:
                            orchs[local] = sub_o[alias.name]
        return acts, orchs


# Libraries whose modules never define the user's activities (skipped without reading them).
_LIBRARIES = {"durable_sfn", "pydantic", "boto3", "botocore", "aws_lambda_powertools", "typing_extensions"}
_PARSED: dict[tuple[Path, float], ast.Module | None] = {}
# Where a dotted module name was found, per search path; files rarely appear while compiling.
_LOCATED: dict[tuple[tuple[Path, ...], str], Path | None] = {}
_FOUND: dict[tuple[tuple[Path, ...], str, int, float], tuple[dict[str, str], dict[str, str]]] = {}


def _parse_file(path: Path) -> ast.Module | None:
    """Parse a module, cached by path and modification time (compiling many orchestrators of one
    project reads the same activity modules again and again)."""
    try:
        key = (path.resolve(), path.stat().st_mtime)
    except OSError:
        return None
    if key not in _PARSED:
        try:
            text = path.read_text(encoding="utf-8")
            found = limits.nesting(text)
            if found is not None and found[0] > limits.MAX_NESTING:
                _PARSED[key] = None  # not worth the parser's stack: it defines no activity we can use
            else:
                with limits.headroom():
                    _PARSED[key] = ast.parse(text)
        except (SyntaxError, ValueError, UnicodeDecodeError, OSError, RecursionError, MemoryError):
            _PARSED[key] = None
    return _PARSED[key]


def _package_of(file: Path) -> str:
    parts: list[str] = []
    package = file.parent
    while (package / "__init__.py").exists():
        parts.insert(0, package.name)
        package = package.parent
    return ".".join(parts)


def module_name(file: Path) -> str:
    """The dotted name a module file is imported under (its package path from `__init__.py`s)."""
    package = _package_of(file)
    if file.stem == "__init__":
        return package or file.parent.name
    return f"{package}.{file.stem}" if package else file.stem


def logger_name(node: ast.expr, module: ModuleInfo) -> str | None:
    """The name of the logger `logging.getLogger(...)` returns, when it can be told from source."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "getLogger"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id in module.logging_modules
        and not node.keywords
        and len(node.args) <= 1
    ):
        return None
    if not node.args:
        return "root"
    arg = node.args[0]
    if isinstance(arg, ast.Name) and arg.id == "__name__":
        return module.name
    if isinstance(arg, ast.Constant) and (arg.value is None or isinstance(arg.value, str)):
        return arg.value or "root"
    if isinstance(arg, ast.Name) and isinstance(module.constants.get(arg.id), str):
        return str(module.constants[arg.id]) or "root"
    return None


def _module_globals(tree: ast.Module, info: ModuleInfo) -> None:
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                info.globals.add(alias.asname or alias.name.split(".")[0])
                if alias.name == "logging":
                    info.logging_modules.add(alias.asname or "logging")
                if alias.name == "os":
                    info.os_names[alias.asname or "os"] = "os"
        elif isinstance(node, ast.ImportFrom):
            info.globals.update(alias.asname or alias.name for alias in node.names)
            if node.module == "os" and not node.level:
                for alias in node.names:
                    if alias.name in ("environ", "getenv"):
                        info.os_names[alias.asname or alias.name] = f"os.{alias.name}"
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            info.globals.add(node.name)
            if not isinstance(node, ast.ClassDef) and not node.decorator_list:
                info.functions[node.name] = node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            info.globals.update(t.id for t in targets if isinstance(t, ast.Name))
            value = node.value
            if len(targets) == 1 and isinstance(targets[0], ast.Name) and value is not None:
                name = logger_name(value, info)
                if name is not None:
                    info.loggers[targets[0].id] = name


def module_info(tree: ast.Module, file: Path) -> ModuleInfo:
    info = ModuleInfo(name=module_name(file))
    resolver = ModuleResolver(file)
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = _package_of(file).split(".") if _package_of(file) else []
                pkg = pkg[: len(pkg) - (node.level - 1)] if node.level > 1 else pkg
                base = ".".join([*pkg, *([node.module] if node.module else [])])
            acts, orchs = resolver.definitions(base)
            for alias in node.names:
                local = alias.asname or alias.name
                if alias.name in acts:
                    info.activities[local] = acts[alias.name]
                elif alias.name in orchs:
                    info.orchestrators[local] = orchs[alias.name]
                else:  # `from package import module`
                    sub_a, sub_o = resolver.definitions(f"{base}.{alias.name}" if base else alias.name)
                    info.activities.update({f"{local}.{k}": v for k, v in sub_a.items()})
                    info.orchestrators.update({f"{local}.{k}": v for k, v in sub_o.items()})
        elif isinstance(node, ast.Import):
            for alias in node.names:
                acts, orchs = resolver.definitions(alias.name)
                local = alias.asname or alias.name
                info.activities.update({f"{local}.{k}": v for k, v in acts.items()})
                info.orchestrators.update({f"{local}.{k}": v for k, v in orchs.items()})
    acts, orchs = _local_definitions(tree)
    info.activities.update(acts)
    info.orchestrators.update(orchs)
    names = NameResolver(resolver.parse, lambda dotted: resolver.definitions(dotted)[0])
    found = names.names(tree, _package_of(file), info.activities)
    info.constants.update(found.constants)
    info.retry_options.update(found.retry_options)
    info.dispatch_tables.update(found.dispatch_tables)
    info.changed_names.update({name: line for name, (_, line) in found.changed.items()})
    _module_globals(tree, info)
    trees = [tree, *(t for t in resolver.cache.values() if t is not None)]
    info.exception_subclasses = _subclasses(trees)
    info.entity_operations = _entity_operations(trees)
    return info


def _entity_operations(trees: list[ast.Module]) -> dict[str, frozenset[str]]:
    """Entity name -> declared operations, from `@entity(operations=("a", "b"))` written as literals."""
    found: dict[str, frozenset[str]] = {}
    for tree in trees:
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            for dec in node.decorator_list:
                name = _decorator_name(dec, "entity", node.name)
                if name is None or not isinstance(dec, ast.Call):
                    continue
                for kw in dec.keywords:
                    if kw.arg != "operations":
                        continue
                    try:
                        ops = ast.literal_eval(kw.value)
                    except (ValueError, TypeError, SyntaxError):
                        continue
                    if isinstance(ops, list | tuple | set | frozenset) and all(
                        isinstance(o, str) for o in ops
                    ):
                        found[name] = frozenset(ops)
    return found


def _subclasses(trees: list[ast.Module]) -> dict[str, set[str]]:
    """Class name -> every class known to derive from it (transitively), by simple names."""
    bases: dict[str, set[str]] = {}
    for tree in trees:
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                names = {
                    b.attr if isinstance(b, ast.Attribute) else b.id
                    for b in node.bases
                    if isinstance(b, ast.Name | ast.Attribute)
                }
                bases.setdefault(node.name, set()).update(names)
    subclasses: dict[str, set[str]] = {}
    for cls in bases:
        seen: set[str] = set()
        stack = list(bases[cls])
        while stack:
            base = stack.pop()
            if base in seen or base == cls:
                continue
            seen.add(base)
            subclasses.setdefault(base, set()).add(cls)
            stack.extend(bases.get(base, ()))
    return subclasses
