"""What mutmut does not mutate in server/, and the tests that check it instead.

Why it exists: mutmut 3 mutates the bodies of functions and methods only. Decorated functions
(route handlers, validators, properties, context managers; a lone @staticmethod or
@classmethod aside), decorator arguments, class bodies (model fields and their constraints) and
module-level statements run at import, before mutmut can switch a mutant on, so no mutant of
them exists, and the score says nothing about them. This module finds that code in every file
of the scope (with `ast`, so a new decorated function is listed without anyone remembering to)
and names, from tools/mutation_unreached.toml, the tests that check each file's share of it.
"""

from __future__ import annotations

import ast
import fnmatch
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

COVERED_BY = Path(__file__).with_name("mutation_unreached.toml")
# mutmut gives these (alone) a trampoline and mutates the function under them.
MUTATED_DECORATORS = {"staticmethod", "classmethod"}


@dataclass(frozen=True)
class Unreached:
    """One file's code that mutmut leaves alone."""

    path: str
    decorated: tuple[str, ...]  # `name` (line) of each decorated function or method
    statements: int  # module-level and class-body statements other than imports and docstrings


def decorated_functions(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        names = [ast.unparse(d) for d in node.decorator_list]
        if names and not (len(names) == 1 and names[0] in MUTATED_DECORATORS):
            yield f"`{node.name}` (line {node.lineno}, @{', @'.join(names)})"


def import_time_statements(tree: ast.Module) -> int:
    """Statements run at import: the module's and its classes' own, less imports, docstrings
    and the definitions themselves (their bodies are mutated, or counted as decorated)."""
    count = 0
    bodies: list[list[ast.stmt]] = [tree.body]
    while bodies:
        for node in bodies.pop():
            if isinstance(node, ast.ClassDef):
                bodies.append(node.body)
            elif not isinstance(
                node, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.AsyncFunctionDef
            ) and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
                count += 1
    return count


def unreached(paths: Iterable[str], root: Path) -> list[Unreached]:
    """Every file of `paths` with code mutmut does not mutate."""
    found = []
    for path in paths:
        tree = ast.parse((root / path).read_text())
        entry = Unreached(path, tuple(decorated_functions(tree)), import_time_statements(tree))
        if entry.decorated or entry.statements:
            found.append(entry)
    return found


def covering_tests(config: Path = COVERED_BY) -> dict[str, list[str]]:
    """Per source-file pattern, the tests (files or folders) that check its unmutated code."""
    with config.open("rb") as handle:
        tests: dict[str, list[str]] = tomllib.load(handle)["covered_by"]
    return tests


def named_tests(path: str, tests: dict[str, list[str]]) -> list[str]:
    """The tests of every pattern `path` matches, most specific pattern first, each once."""
    matching = sorted((p for p in tests if fnmatch.fnmatch(path, p)), key=lambda p: "*" in p)
    return list(dict.fromkeys(test for pattern in matching for test in tests[pattern]))


def render(entries: list[Unreached], tests: dict[str, list[str]]) -> list[str]:
    """The report's section: per file, what is not mutated and the tests that check it."""
    lines = [
        "### Not mutated: decorated functions, class bodies, module level",
        "",
        "mutmut 3 mutates function bodies only; this code runs at import or under a decorator, "
        "so it has no mutants. The tests named check it instead (tools/mutation_unreached.toml).",
        "",
        "| file | decorated functions | import-time statements | checked by |",
        "| --- | --- | --: | --- |",
    ]
    for entry in entries:
        decorated = "<br>".join(entry.decorated) or "-"
        named = "<br>".join(f"`{t}`" for t in named_tests(entry.path, tests)) or "**none named**"
        lines.append(f"| `{entry.path}` | {decorated} | {entry.statements} | {named} |")
    return lines
