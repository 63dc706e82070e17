"""Which environment variables code reads, found in its syntax tree, and whether each is declared
and documented: the checker behind test_environment.py, a function of the roots it scans.

A read is `os.environ[...]`, `os.environ.get(...)`, `os.getenv(...)`, and `.get(...)` or `[...]`
on a name called `env` or `environ` (the `env: Mapping[str, str] = os.environ` parameters of
suite_environment.py and the harness). The key is a string literal, a module-level string
constant (`_BINDIR = "PG_BINDIR"`), or the loop variable of a `for` or comprehension over a
module-level tuple or list of strings (`for name in REQUIRED`): each of its strings is a read.
The app's settings are the fields of each pydantic-settings class (`class S(BaseSettings)`),
upper-cased, as pydantic-settings reads them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

ENVIRON_NAMES = {"env", "environ"}
SKIPPED_DIRS = {".nox", ".venv", ".git", "__pycache__", "node_modules", ".dev"}


def python_files(roots: Iterable[Path]) -> list[Path]:
    """Every .py file under the roots (a root may be a file), outside environments and caches."""
    files: list[Path] = []
    for root in roots:
        if root.is_file():
            files.append(root)
            continue
        for path in sorted(root.rglob("*.py")):
            if not SKIPPED_DIRS.intersection(path.relative_to(root).parts):
                files.append(path)
    return files


def _constants(tree: ast.Module) -> dict[str, tuple[str, ...]]:
    """Module-level names bound to a string, or to a tuple or list of strings."""
    found: dict[str, tuple[str, ...]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        strings = _strings(value)
        for target in targets:
            if isinstance(target, ast.Name) and strings is not None:
                found[target.id] = strings
    return found


def _strings(node: ast.expr) -> tuple[str, ...] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (node.value,)
    if isinstance(node, ast.Tuple | ast.List) and node.elts:
        items = [e.value for e in node.elts if isinstance(e, ast.Constant)]
        strings = [item for item in items if isinstance(item, str)]
        if len(strings) == len(node.elts):
            return tuple(strings)
    return None


def _loop_variables(
    tree: ast.Module, constants: Mapping[str, tuple[str, ...]]
) -> dict[str, set[str]]:
    """Loop variables iterating over a module-level tuple of strings: name -> those strings."""
    loops: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.For | ast.comprehension):
            target, source = node.target, node.iter
            if isinstance(target, ast.Name) and isinstance(source, ast.Name):
                loops.setdefault(target.id, set()).update(constants.get(source.id, ()))
    return loops


def _is_environ(node: ast.expr) -> bool:
    """`os.environ`, or a name such as `env` that holds it."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ"
    return isinstance(node, ast.Name) and node.id in ENVIRON_NAMES


def _key(call_or_subscript: ast.expr) -> ast.expr | None:
    """The key expression of an environment read, or None when the node is not one."""
    node = call_or_subscript
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
        return node.slice if _is_environ(node.value) else None
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "getenv":
        return node.args[0] if isinstance(func.value, ast.Name) and func.value.id == "os" else None
    if isinstance(func, ast.Attribute) and func.attr == "get" and _is_environ(func.value):
        return node.args[0]
    return None


def reads_in(source: str) -> set[str]:
    """The environment variables one module's code reads."""
    tree = ast.parse(source)
    constants = _constants(tree)
    loops = _loop_variables(tree, constants)
    names: set[str] = set()
    for node in ast.walk(tree):
        key = _key(node) if isinstance(node, ast.expr) else None
        if key is None:
            continue
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            names.add(key.value)
        elif isinstance(key, ast.Name):
            names.update(constants.get(key.id, ()))
            names.update(loops.get(key.id, ()))
    return names


def settings_in(source: str) -> set[str]:
    """The variables a pydantic-settings class reads: its fields, upper-cased."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ClassDef):
            continue
        bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
        if "BaseSettings" not in bases:
            continue
        for item in node.body:
            field = item.target if isinstance(item, ast.AnnAssign) else None
            if isinstance(field, ast.Name) and field.id != "model_config":
                names.add(field.id.upper())
    return names


def variables_read(roots: Iterable[Path], base: Path) -> dict[str, set[str]]:
    """Each variable read under the roots -> the files (relative to base) that read it."""
    found: dict[str, set[str]] = {}
    for path in python_files(roots):
        for name in reads_in(path.read_text()):
            found.setdefault(name, set()).add(path.relative_to(base).as_posix())
    return found


def settings_read(roots: Iterable[Path], base: Path) -> dict[str, set[str]]:
    """Each setting of a pydantic-settings class under the roots -> the files that declare it."""
    found: dict[str, set[str]] = {}
    for path in python_files(roots):
        for name in settings_in(path.read_text()):
            found.setdefault(name, set()).add(path.relative_to(base).as_posix())
    return found


def table_names(markdown: str) -> set[str]:
    """Every `NAME` (upper case, in backticks) in the first column of the document's tables."""
    names: set[str] = set()
    for line in markdown.splitlines():
        if line.startswith("|") and not set(line) <= set("|-: "):
            first = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)(?:=[^`]*)?`", first))
    return names


def problems(
    read: Mapping[str, set[str]],
    declared: Iterable[str],
    documented: set[str],
    *,
    where_declared: str,
    where_documented: str,
) -> list[str]:
    """One line per variable read but undeclared, or declared but not documented."""
    declared = set(declared)
    lines = [
        f"{name} (read in {', '.join(sorted(files))}) is not declared in {where_declared}"
        for name, files in sorted(read.items())
        if name not in declared
    ]
    lines += [
        f"{name} is not in the table of {where_documented}"
        for name in sorted(declared | set(read))
        if name not in documented
    ]
    return lines
