"""Which mutants a PR-scoped `nox -s mutation` selects: the functions a diff touches, named
as mutmut names them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tools.mutation_scope import (
    changed_function_patterns,
    changed_lines,
    file_patterns,
    function_spans,
    in_scope,
)

SOURCE = '''\
"""A module."""

LIMIT = 3


def plain(x):
    return x + 1


@decorated
def routed(x):
    return x


class Service:
    def method(self):
        def inner():
            return 1

        return inner()

    async def other(self):
        return 2
'''


def test_functions_and_methods_are_named_like_mutmut_with_their_lines() -> None:
    assert list(function_spans(SOURCE)) == [
        ("x_plain", 6, 7),
        ("x_routed", 10, 12),  # from the decorator: an edited decorator changes the function
        ("xǁServiceǁmethod", 16, 20),  # a nested function belongs to the one around it
        ("xǁServiceǁother", 22, 23),
    ]


def test_a_diff_marks_added_lines_and_both_sides_of_a_deletion() -> None:
    diff = (
        "diff --git a/server/services/a.py b/server/services/a.py\n"
        "--- a/server/services/a.py\n"
        "+++ b/server/services/a.py\n"
        "@@ -6,0 +7,2 @@ def plain(x):\n"
        "@@ -12 +14 @@\n"
        "@@ -30,3 +31,0 @@\n"
        "diff --git a/server/services/gone.py b/server/services/gone.py\n"
        "--- a/server/services/gone.py\n"
        "+++ /dev/null\n"
        "@@ -1,2 +0,0 @@\n"
    )

    assert changed_lines(diff) == {"server/services/a.py": {7, 8, 14, 31, 32}}


@pytest.mark.parametrize(
    ("path", "mutated"),
    [
        ("server/app.py", True),
        ("server/db/engine.py", True),
        ("server/models/common.py", True),
        ("server/services/sql_builder.py", True),
        ("server/routers/health.py", True),
        ("server/db/migrations/env.py", False),
        ("server/db/migrations/versions/0001_initial.py", False),
        ("server/db/migrations/script.py.mako", False),
        ("tools/mutation.py", False),
        ("tests/unit/test_sql_builder.py", False),
    ],
)
def test_every_module_of_the_app_is_mutated_but_its_migrations(path: str, mutated: bool) -> None:
    assert in_scope(path) is mutated


def test_files_outside_the_mutated_folders_are_refused(tmp_path: Path) -> None:
    for path in ("server/db/engine.py", "server/db/migrations/env.py", "tools/x.py"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("")

    assert file_patterns(["server/db/engine.py"], tmp_path) == ["server.db.engine.*"]
    with pytest.raises(ValueError, match=r"not those matching server/db/migrations/\*"):
        file_patterns(["server/db/migrations/env.py"], tmp_path)
    with pytest.raises(ValueError, match=r"only files matching server/\*"):
        file_patterns(["tools/x.py"], tmp_path)
    with pytest.raises(ValueError, match="no such file"):
        file_patterns(["server/services/missing.py"], tmp_path)


def test_the_pr_gate_selects_changed_functions_anywhere_in_the_app_but_migrations(
    tmp_path: Path,
) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    files = {
        "server/db/engine.py": "def build():\n    return 1\n",
        "server/config.py": "def read():\n    return 1\n",
        "server/db/migrations/versions/0002.py": "def upgrade():\n    return 1\n",
    }
    git("init", "-q", "-b", "main")
    git("config", "user.email", "t@example.com")
    git("config", "user.name", "t")
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    git("add", ".")
    git("commit", "-q", "-m", "base")
    for path, text in files.items():
        (tmp_path / path).write_text(text.replace("1", "2"))

    assert changed_function_patterns("main", tmp_path) == [
        "server.config.x_read__mutmut_*",
        "server.db.engine.x_build__mutmut_*",
    ]
