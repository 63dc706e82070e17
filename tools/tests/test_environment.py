"""Every environment variable the suite, the sessions and the tools read is declared in
suite_environment.py and listed in docs/variables.md; every setting the app reads is in
docs/deploy.md's table. Shown to fail, naming the variable and the file, on a tree that reads
one it does not declare or document."""

from __future__ import annotations

from pathlib import Path

from suite_environment import VARIABLES

from .sandbox import ROOT
from .variables import problems, settings_read, table_names, variables_read

# What the check scans: the suite, the tools and sessions, the one list itself, the fake's
# entry point (`python -m fake_workspace`), and the app for its settings.
SUITE_ROOTS = ("tests", "tools", "noxfile.py", "suite_environment.py")
FAKE_ENTRY = "fake-workspace/src/fake_workspace/__main__.py"
VARIABLE_DOCS = "docs/variables.md"
SETTINGS_DOCS = "docs/deploy.md"


def suite_problems(base: Path, declared: dict[str, str]) -> list[str]:
    roots = [base / r for r in (*SUITE_ROOTS, FAKE_ENTRY) if (base / r).exists()]
    return problems(
        variables_read(roots, base),
        declared,
        table_names((base / VARIABLE_DOCS).read_text()),
        where_declared="suite_environment.py's VARIABLES",
        where_documented=VARIABLE_DOCS,
    )


def settings_problems(base: Path) -> list[str]:
    read = settings_read([base / "server"], base)
    return problems(
        read,
        read,  # a setting is declared by its field
        table_names((base / SETTINGS_DOCS).read_text()),
        where_declared="server/",
        where_documented=SETTINGS_DOCS,
    )


def test_every_variable_read_is_declared_and_documented() -> None:
    assert not suite_problems(ROOT, VARIABLES)


def test_every_setting_of_the_app_is_in_the_deploy_table() -> None:
    assert settings_read([ROOT / "server"], ROOT), "no pydantic-settings class found in server/"
    assert not settings_problems(ROOT)


def test_the_checks_see_the_known_readers() -> None:
    """The scan reaches every kind of read the code uses, so a pass means something."""
    read = variables_read([ROOT / r for r in SUITE_ROOTS], ROOT)
    assert "tests/conftest.py" in read["RUN_FUZZ"]  # os.environ.get("...")
    assert "tests/harness/lakebase_standin.py" in read["PG_BINDIR"]  # through a constant
    assert "tests/rehearsal/migrations.py" in read["PGSSLMODE"]  # a loop over a tuple
    assert "suite_environment.py" in read["LAKEBASE_REQUIRED"]  # env.get on a parameter


def _tree(tmp_path: Path, code: str, doc_rows: str) -> Path:
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "job.py").write_text(code)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "variables.md").write_text(
        "| variable | meaning |\n| --- | --- |\n" + doc_rows
    )
    return tmp_path


def test_an_undeclared_read_fails_naming_the_variable_and_the_file(tmp_path: Path) -> None:
    code = (
        "import os\n"
        "_NAME = 'FROM_CONSTANT'\n"
        "ORDER = ('IN_A_LOOP', 'DECLARED')\n"
        "a = os.environ.get('UNDECLARED')\n"
        "b = os.getenv('BY_GETENV')\n"
        "c = os.environ[_NAME]\n"
        "d = [os.environ.get(n) for n in ORDER]\n"
        "def f(env=os.environ): return env['FROM_PARAMETER']\n"
    )
    documented = "".join(
        f"| `{n}` | x |\n"
        for n in ("UNDECLARED", "BY_GETENV", "FROM_CONSTANT", "IN_A_LOOP", "DECLARED")
    )
    base = _tree(tmp_path, code, documented)

    found = suite_problems(base, {"DECLARED": "x", "FROM_PARAMETER": "x"})

    undeclared = ("UNDECLARED", "BY_GETENV", "FROM_CONSTANT", "IN_A_LOOP")
    for name in undeclared:
        assert f"{name} (read in tools/job.py) is not declared" in "\n".join(found)
    assert "FROM_PARAMETER is not in the table of docs/variables.md" in found
    assert len(found) == len(undeclared) + 1


def test_a_declared_variable_missing_from_the_table_fails(tmp_path: Path) -> None:
    base = _tree(tmp_path, "import os\nos.environ.get('KNOWN')\n", "| `KNOWN` | x |\n")
    assert not suite_problems(base, {"KNOWN": "x"})

    assert suite_problems(base, {"KNOWN": "x", "NEVER_READ": "x"}) == [
        "NEVER_READ is not in the table of docs/variables.md"
    ]


def test_a_new_setting_of_the_app_fails_until_the_deploy_table_lists_it(tmp_path: Path) -> None:
    (tmp_path / "server").mkdir()
    (tmp_path / "server" / "config.py").write_text(
        "class Settings(BaseSettings):\n"
        "    model_config = SettingsConfigDict()\n"
        "    database_url: str | None = None\n"
        "    new_knob: int = 1\n"
    )
    (tmp_path / "docs").mkdir()
    table = tmp_path / "docs" / "deploy.md"
    table.write_text("| setting | meaning |\n| --- | --- |\n| `DATABASE_URL` | x |\n")

    assert settings_problems(tmp_path) == ["NEW_KNOB is not in the table of docs/deploy.md"]
    table.write_text(table.read_text() + "| `NEW_KNOB` (default 1) | x |\n")
    assert not settings_problems(tmp_path)
