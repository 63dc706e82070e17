"""What the mutation report lists as not mutated, and that every such file of server/ names
the tests that check it instead (tools/mutation_unreached.toml), each of which exists."""

from __future__ import annotations

import ast
from pathlib import Path

from tools.mutation_scope import in_scope
from tools.mutation_unreached import (
    covering_tests,
    decorated_functions,
    import_time_statements,
    named_tests,
    render,
    unreached,
)

ROOT = Path(__file__).resolve().parents[2]
SOURCE = '''\
"""A module."""

import logging

logger = logging.getLogger(__name__)
LIMIT = 3


@router.get("/x", responses={404: {}})
async def routed(x):
    return x


class Settings(BaseSettings):
    """Fields and validators."""

    host: str = Field(min_length=1)

    @field_validator("host")
    @classmethod
    def _host(cls, value):
        return value

    @classmethod
    def build(cls):
        return cls()

    @property
    def mode(self):
        return "url"

    def plain(self):
        return 1
'''


def test_decorated_functions_are_listed_but_a_lone_classmethod_is_mutated() -> None:
    tree = ast.parse(SOURCE)

    assert sorted(decorated_functions(tree)) == [
        "`_host` (line 21, @field_validator('host'), @classmethod)",
        "`mode` (line 29, @property)",
        "`routed` (line 10, @router.get('/x', responses={404: {}}))",
    ]


def test_import_time_statements_are_the_module_and_class_bodies_less_imports_and_docs() -> None:
    # logger, LIMIT, and the field: imports, docstrings and definitions do not count.
    assert import_time_statements(ast.parse(SOURCE)) == 3


def test_a_pattern_gives_its_tests_to_every_file_it_matches_the_specific_first() -> None:
    tests = {"server/db/*.py": ["tests/integration/database"], "server/db/engine.py": ["a.py"]}

    assert named_tests("server/db/engine.py", tests) == ["a.py", "tests/integration/database"]
    assert named_tests("server/db/pages.py", tests) == ["tests/integration/database"]
    assert named_tests("server/app.py", tests) == []


def test_every_file_of_the_app_with_unmutated_code_names_existing_tests() -> None:
    tests = covering_tests()
    paths = sorted(
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "server").rglob("*.py")
        if in_scope(p.relative_to(ROOT).as_posix())
    )
    entries = unreached(paths, ROOT)

    assert entries  # route handlers at least
    assert [e.path for e in entries if not named_tests(e.path, tests)] == []
    named = {test for listed in tests.values() for test in listed}
    assert sorted(t for t in named if not (ROOT / t).exists()) == []
    assert "**none named**" not in "\n".join(render(entries, tests))
