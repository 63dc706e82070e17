"""The app's layers import downwards only: models (the API's and the database's shapes of data)
depend on nothing in services (behaviour) or routers (HTTP), and services on no router, so a
model can be read, and changed, without the code that uses it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parents[2] / "server"
# Per layer (a package of server/), the packages none of its modules may import.
FORBIDDEN = {
    "models": ("server.services", "server.routers"),
    "services": ("server.routers",),
}


def imported_modules(source: str) -> set[str]:
    """Every module `source` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def crossings(layer: str) -> list[str]:
    """`file: module` for each import out of `layer` into a package it may not use."""
    return [
        f"{path.relative_to(SERVER.parent).as_posix()}: {module}"
        for path in sorted((SERVER / layer).rglob("*.py"))
        for module in sorted(imported_modules(path.read_text()))
        if module.startswith(tuple(f"{package}." for package in FORBIDDEN[layer]))
    ]


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_from_the_layers_above_it(layer: str) -> None:
    assert crossings(layer) == []


def test_the_check_sees_an_import_inside_a_function_and_a_from_import() -> None:
    source = "from server.services import x\n\ndef f():\n    import server.routers.health\n"

    assert imported_modules(source) >= {"server.services.x", "server.routers.health"}
