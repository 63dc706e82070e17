"""The gates bite: diff-cover and the per-module targets fail on untested code, pass on tested
code, and coverage data from another checkout path lands under `server/...`.

Each test works in a sandbox (a temporary clone with a tiny `server/`) and runs the sandbox's
own `nox` sessions, exactly as CI does.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import coverage
from tools.coverage_gate import context_pattern

from .sandbox import Sandbox

# Every line runs when only `member=True` is exercised; the `if` never takes its false arc.
PRICING = """\
def discount(total: float, member: bool) -> float:
    rate = 0.0
    if member:
        rate = 0.1
    return total * (1 - rate)
"""
TEST_MEMBER_ONLY = """\
from server.services.pricing import discount


def test_member_discount():
    assert discount(100.0, True) == 90.0
"""
TEST_BOTH_PATHS = (
    TEST_MEMBER_ONLY
    + """

def test_no_discount_for_guests():
    assert discount(100.0, False) == 100.0
"""
)
# Half of this module never runs.
REPORTS = """\
def summary(rows: list[int]) -> str:
    if not rows:
        return "empty"
    return f"{len(rows)} rows"


def unused_one(x: int) -> int:
    y = x * 2
    z = y + 1
    return z


def unused_two(x: int) -> int:
    if x:
        return 1
    return 0
"""
TEST_REPORTS = """\
from server.routers.reports import summary


def test_summary():
    assert summary([1]) == "1 rows"
"""


def diff_cover(box: Sandbox) -> tuple[int, str, dict[str, object]]:
    """`nox -s coverage` (writes coverage.xml) then `nox -s diff-cover` against main."""
    box.nox("-s", "coverage")
    assert (box.path / "coverage" / "coverage.xml").exists()
    result = box.nox("-s", "diff-cover", "--", "--compare-branch=main")
    report = json.loads((box.path / "coverage" / "diff-cover.json").read_text())
    assert (box.path / "coverage" / "diff-cover.md").exists()
    return result.returncode, result.stdout, report


def test_diff_cover_fails_on_an_untested_branch_and_passes_once_tested(sandbox: Sandbox) -> None:
    sandbox.git("checkout", "-q", "-b", "feature")
    sandbox.write("server/services/pricing.py", PRICING)
    sandbox.write("tests/test_pricing.py", TEST_MEMBER_ONLY)
    sandbox.commit("pricing: member discount, guests untested")
    sandbox.measure("tests", "member-only")

    code, output, report = diff_cover(sandbox)
    assert code != 0, output
    assert "Failure. Coverage is below 90%" in output
    violations = report["src_stats"]["server/services/pricing.py"]["violation_lines"]  # type: ignore[index]
    assert violations == [3], "the partially covered `if member:` line is the violation"

    sandbox.write("tests/test_pricing.py", TEST_BOTH_PATHS)
    sandbox.commit("pricing: test the guest path too")
    for stale in (sandbox.path / "coverage").glob(".coverage.*"):
        stale.unlink()
    sandbox.measure("tests", "both-paths")

    code, output, report = diff_cover(sandbox)
    assert code == 0, output
    assert report["total_percent_covered"] == 100


def test_per_module_gate_fails_on_a_module_below_target(sandbox: Sandbox) -> None:
    sandbox.write("server/routers/reports.py", REPORTS)
    sandbox.write("tests/test_reports.py", TEST_REPORTS)
    sandbox.measure("tests", "reports")

    result = sandbox.nox("-s", "coverage")
    assert result.returncode != 0, result.stdout
    assert 'File: "server/routers/reports.py" failed LINE coverage metric' in result.stdout
    assert 'File: "server/routers/reports.py" failed BRANCH coverage metric' in result.stdout
    summary = (sandbox.path / "coverage" / "summary.md").read_text()
    assert "Per-module targets (FAILED)" in summary
    assert (sandbox.path / "coverage" / "coverage.xml").exists(), "reports come before the verdict"


def test_per_module_gate_counts_branches_not_only_lines(sandbox: Sandbox) -> None:
    sandbox.write("server/services/pricing.py", PRICING)
    sandbox.write("tests/test_pricing.py", TEST_MEMBER_ONLY)
    sandbox.measure("tests", "member-only")

    result = sandbox.nox("-s", "coverage")
    assert result.returncode != 0, result.stdout
    assert 'File: "server/services/pricing.py" failed BRANCH coverage metric' in result.stdout
    assert "failed LINE" not in result.stdout


def test_per_module_gate_passes_when_every_module_meets_target(sandbox: Sandbox) -> None:
    sandbox.write("server/services/pricing.py", PRICING)
    sandbox.write("tests/test_pricing.py", TEST_BOTH_PATHS)
    sandbox.measure("tests", "both-paths")

    result = sandbox.nox("-s", "coverage")
    assert result.returncode == 0, result.stdout
    assert "Per-module targets (passed)" in (sandbox.path / "coverage" / "summary.md").read_text()
    files = sandbox.coverage_json()["files"]
    assert files["server/services/pricing.py"]["summary"]["percent_covered"] == 100


def test_per_module_gate_holds_every_module_of_the_app_not_only_routers_and_services(
    sandbox: Sandbox,
) -> None:
    sandbox.write("server/services/pricing.py", PRICING)
    sandbox.write("tests/test_pricing.py", TEST_BOTH_PATHS)
    sandbox.write("server/db/untested.py", "def never_called() -> int:\n    return 1\n")
    sandbox.measure("tests", "both-paths")

    result = sandbox.nox("-s", "coverage")
    assert result.returncode != 0, result.stdout
    assert 'File: "server/db/untested.py" failed LINE coverage metric' in result.stdout
    assert 'File: "server/services/pricing.py" failed' not in result.stdout


def test_coverage_from_another_checkout_path_combines_under_server(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.write("server/services/pricing.py", PRICING)
    sandbox.write("tests/test_pricing.py", TEST_BOTH_PATHS)
    sandbox.commit("pricing with tests")

    # Another machine: the same project at a different absolute path, recording absolute
    # file names (relative_files off, as older configurations or other tools do).
    elsewhere = tmp_path / "elsewhere" / "checkout"
    shutil.copytree(sandbox.path, elsewhere, ignore=shutil.ignore_patterns(".git", "coverage"))
    pyproject = elsewhere / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace("relative_files = true", "relative_files = false")
    )
    sandbox.measure("tests", "elsewhere", cwd=elsewhere)
    (data_file,) = (sandbox.path / "coverage").glob(".coverage.elsewhere*")
    recorded = coverage.CoverageData(str(data_file))
    recorded.read()
    assert str(elsewhere / "server" / "services" / "pricing.py") in recorded.measured_files()

    result = sandbox.nox("-s", "coverage")
    assert result.returncode == 0, result.stdout
    files = sandbox.coverage_json()["files"]
    assert "server/services/pricing.py" in files
    assert files["server/services/pricing.py"]["summary"]["percent_covered"] == 100
    assert not [name for name in files if str(tmp_path) in name]


def test_each_backend_must_meet_the_targets_on_its_own(sandbox: Sandbox) -> None:
    """Covered when the backends' data are combined, but not by the PostgreSQL cells alone,
    nor by the Lakebase Provisioned cells alone (each Lakebase flavour is gated on its own).
    The backends are told apart by the contexts the cells recorded: the data files' names
    say nothing of them."""
    sandbox.write("server/services/pricing.py", PRICING)
    sandbox.write("tests/test_pricing.py", TEST_BOTH_PATHS)
    sandbox.measure("tests", "cell-1", context="py3.11-sqlite")
    sandbox.measure("tests", "cell-2", context="py3.12-lakebase-autoscaling")
    sandbox.write("tests/test_pricing.py", TEST_MEMBER_ONLY)
    sandbox.measure("tests", "cell-3", context="py3.11-postgres")
    sandbox.measure("tests", "cell-4", context="py3.12-lakebase-provisioned")

    result = sandbox.nox("-s", "coverage")

    assert result.returncode != 0, result.stdout
    summary = (sandbox.path / "coverage" / "summary.md").read_text()
    assert "#### all cells combined: passed" in summary
    assert "#### sqlite cells alone: passed" in summary
    assert "#### postgres cells alone: FAILED" in summary
    assert "#### lakebase-autoscaling cells alone: passed" in summary
    assert "#### lakebase-provisioned cells alone: FAILED" in summary
    assert (
        "targets not met (lakebase-provisioned cells alone, postgres cells alone; coverage"
        in result.stdout
    )


def test_the_backend_independent_tests_count_for_every_backend(sandbox: Sandbox) -> None:
    """The SQLite cells alone run the tests whose answer no backend changes (context
    `py<python>-any`); each backend's gate still counts them, as when every cell ran them."""
    sandbox.write("server/services/pricing.py", PRICING)
    sandbox.write("tests/test_pricing.py", TEST_MEMBER_ONLY)
    sandbox.measure("tests", "cell-1", context="py3.11-sqlite")
    sandbox.measure("tests", "cell-2", context="py3.11-postgres")
    sandbox.write("tests/test_pricing.py", TEST_BOTH_PATHS)
    sandbox.measure("tests", "cell-1-any", context="py3.11-any")

    result = sandbox.nox("-s", "coverage")

    assert result.returncode == 0, result.stdout
    summary = (sandbox.path / "coverage" / "summary.md").read_text()
    assert "#### sqlite cells alone: passed" in summary
    assert "#### postgres cells alone: passed" in summary
    assert "any cells alone" not in summary  # not a backend of its own


def test_a_backends_contexts_are_its_cells_and_only_its_cells() -> None:
    autoscaling = context_pattern("lakebase-autoscaling")

    assert re.match(autoscaling, "py3.11-lakebase-autoscaling")
    # with a dynamic one
    assert re.match(autoscaling, "py3.14-lakebase-autoscaling|tests/test_x.py::test_y")
    assert not re.match(autoscaling, "py3.11-lakebase-provisioned")
    assert not re.match(autoscaling, "py3.11-sqlite")
    assert not re.match(autoscaling, "")  # data recorded outside a cell
    assert re.match(autoscaling, "py3.12-any")  # the backend-independent tests count for it
    assert not re.match(context_pattern("sqlite", shared=False), "py3.12-any")
    assert re.match(context_pattern("lakebase-provisioned"), "py3.12-lakebase-provisioned")
    assert "," not in autoscaling, "coverage's --contexts splits its argument at commas"
