"""Which mutants a `nox -s mutation` run selects: whole files, or the functions a branch changed.

Why it exists: mutmut selects mutants by name glob only and has no "changed since a ref"
selection, so this turns a git diff into globs of the functions it touches.

mutmut names a mutant `<module>.<mangled function>__mutmut_<n>`, where the mangled name is
`x_<function>` for a module-level function and `xǁ<Class>ǁ<method>` for a method; a nested
function belongs to the function around it. Selections are mutmut's name globs.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterable, Iterator
from fnmatch import fnmatch
from pathlib import Path
from typing import Any


# What the session mutates: read from pyproject.toml's [tool.mutmut], which mutmut reads too
# (every module of the app but its Alembic migrations), so the two cannot disagree.
def _mutmut_settings() -> dict[str, Any]:
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    settings: dict[str, Any] = tomllib.loads(pyproject.read_text())["tool"]["mutmut"]
    return settings


_MUTMUT = _mutmut_settings()
SCOPE = tuple(f"{folder.rstrip('/')}/" for folder in _MUTMUT["source_paths"])
MUTATED = tuple(_MUTMUT["only_mutate"])
NOT_MUTATED = tuple(_MUTMUT.get("do_not_mutate", ()))
SEPARATOR = "ǁ"  # mutmut's separator between class and method in a mangled name
HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def score(detected: int, total: int) -> float:
    """The share of mutants detected, in %; an empty selection scores 100."""
    return 100.0 * detected / total if total else 100.0


def in_scope(path: str) -> bool:
    """Whether mutmut mutates `path` (its globs, as fnmatch reads them: `*` crosses folders)."""
    return (
        path.endswith(".py")
        and any(fnmatch(path, glob) for glob in MUTATED)
        and not any(fnmatch(path, glob) for glob in NOT_MUTATED)
    )


def module_name(path: str) -> str:
    """`server/services/sql_values.py` -> `server.services.sql_values`."""
    return path.removesuffix(".py").replace("/", ".")


def file_patterns(paths: Iterable[str], root: Path) -> list[str]:
    """One glob per file; a file outside the scope, or missing, is an error."""
    patterns = []
    for path in paths:
        relative = Path(path).as_posix().removeprefix("./")
        if not in_scope(relative):
            raise ValueError(
                f"{path}: only files matching {' or '.join(MUTATED)} are mutated, "
                f"not those matching {' or '.join(NOT_MUTATED)}"
            )
        if not (root / relative).is_file():
            raise ValueError(f"{path}: no such file")
        patterns.append(f"{module_name(relative)}.*")
    return patterns


def function_spans(source: str) -> Iterator[tuple[str, int, int]]:
    """(mangled name, first line, last line) of each function mutmut gives a trampoline."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield f"x_{node.name}", _first_line(node), node.end_lineno or node.lineno
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    mangled = f"x{SEPARATOR}{node.name}{SEPARATOR}{item.name}"
                    yield mangled, _first_line(item), item.end_lineno or item.lineno


def _first_line(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])


def changed_lines(diff: str) -> dict[str, set[int]]:
    """New-side line numbers touched per file in a `git diff -U0` (a pure deletion marks the
    lines either side of it, so the function it was cut from counts as changed)."""
    lines: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            target = line[4:]
            current = lines.setdefault(target[2:], set()) if target.startswith("b/") else None
        elif current is not None and (hunk := HUNK.match(line)):
            start, count = int(hunk[1]), int(hunk[2] if hunk[2] is not None else 1)
            current.update(range(start, start + count) if count else (start, start + 1))
    return lines


def changed_function_patterns(ref: str, root: Path) -> list[str]:
    """Globs for the functions of the scope that differ between `ref`'s merge base and the
    working tree (committed or not), as a pull request would show them."""
    base = _git(root, "merge-base", ref, "HEAD").strip()
    diff = _git(root, "diff", "-U0", "--no-color", "--no-ext-diff", base, "--", *SCOPE)
    patterns = []
    for path, touched in sorted(changed_lines(diff).items()):
        if not in_scope(path) or not (root / path).is_file():
            continue  # deleted, or not mutated
        source = (root / path).read_text()
        for mangled, first, last in function_spans(source):
            if touched.intersection(range(first, last + 1)):
                patterns.append(f"{module_name(path)}.{mangled}__mutmut_*")
    return patterns


def _git(root: Path, *args: str) -> str:
    git = shutil.which("git")
    if git is None:
        raise ValueError("git not found: --changed-since needs it")
    # A fixed program; the arguments are the ref given to the session and fixed options.
    result = subprocess.run(  # noqa: S603
        [git, *args], cwd=root, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise ValueError(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout
