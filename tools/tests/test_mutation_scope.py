"""Which mutants a PR-scoped `nox -s mutation` selects: the functions a diff touches, named
as mutmut names them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.mutation_scope import changed_lines, file_patterns, function_spans

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


def test_files_outside_the_mutated_folders_are_refused(tmp_path: Path) -> None:
    (tmp_path / "server" / "db").mkdir(parents=True)
    (tmp_path / "server" / "db" / "engine.py").write_text("")

    with pytest.raises(ValueError, match="only files under"):
        file_patterns(["server/db/engine.py"], tmp_path)
    with pytest.raises(ValueError, match="no such file"):
        file_patterns(["server/services/missing.py"], tmp_path)
