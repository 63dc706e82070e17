"""The PR-scoped mutation gate bites: in a sandbox, a branch that adds a function no test checks
fails `nox -s mutation -- --changed-since=main`; a branch that adds a checked one passes.

Only the branch's new function is mutated (the sandbox's `server/` is one small module), so a
run costs a suite of a few tests per mutant.
"""

from __future__ import annotations

import re

from .sandbox import Sandbox

# The suite's pyproject passes --db to pytest under mutmut; the sandbox's tests accept it.
CONFTEST = """\
def pytest_addoption(parser):
    parser.addoption("--db", default="sqlite")
"""
BASELINE = """\
def total(prices: list[int]) -> int:
    return sum(prices)
"""
DISCOUNTED = """

def discounted(price: int, percent: int) -> int:
    return price - price * percent // 100
"""
TEST_TOTAL = """\
from server.services.pricing import total


def test_total():
    assert total([1, 2]) == 3
"""
# Runs the new function, checks nothing about its result: every mutant survives.
TEST_CALLS_ONLY = """\
from server.services.pricing import discounted


def test_discounted_runs():
    discounted(199, 10)
"""
# Exact results, with a rounding case and a case that moves if the divisor does.
TEST_CHECKS = """\
from server.services.pricing import discounted


def test_discounted():
    assert discounted(199, 10) == 180
    assert discounted(100, 50) == 50
    assert discounted(100, 0) == 100
"""
SCORE = re.compile(r"^mutation score: (\d+\.\d)% \((\d+) killed of (\d+)\)$")


def branch_with(sandbox: Sandbox, test: str) -> None:
    sandbox.write("tests/conftest.py", CONFTEST)
    sandbox.write("server/services/pricing.py", BASELINE)
    sandbox.write("tests/test_total.py", TEST_TOTAL)
    sandbox.commit("pricing: total, tested")
    sandbox.git("checkout", "-q", "-b", "feature")
    sandbox.write("server/services/pricing.py", BASELINE + DISCOUNTED)
    sandbox.write("tests/test_discounted.py", test)
    sandbox.commit("pricing: discounted")


def gate(sandbox: Sandbox) -> tuple[int, re.Match[str], str]:
    result = sandbox.nox("-s", "mutation", "--", "--changed-since=main")
    # nox's own log lines ("nox > ...") go to stderr; the session's last line is the score.
    lines = [line for line in result.stdout.splitlines() if not line.startswith("nox > ")]
    score = SCORE.match(lines[-1]) if lines else None
    assert score, result.stdout
    report = (sandbox.path / "coverage" / "mutation.md").read_text()
    return result.returncode, score, report


def test_a_function_whose_result_no_test_checks_fails_the_gate(sandbox: Sandbox) -> None:
    branch_with(sandbox, TEST_CALLS_ONLY)

    returncode, score, report = gate(sandbox)

    assert returncode != 0
    assert (score[1], score[2]) == ("0.0", "0")
    assert int(score[3]) >= 3
    assert "functions changed since `main`" in report
    assert "| `server/services/pricing.py` |" in report
    # Only the changed function was mutated, and each survivor is shown as a diff.
    assert "x_total__mutmut" not in report
    assert "x_discounted__mutmut_1" in report
    assert "-    return price - price * percent // 100" in report


def test_a_function_whose_results_are_checked_passes_the_gate(sandbox: Sandbox) -> None:
    branch_with(sandbox, TEST_CHECKS)

    returncode, score, report = gate(sandbox)

    assert returncode == 0, report
    assert score[1] == "100.0"
    assert score[2] == score[3]
    assert int(score[3]) >= 3
    assert "### Surviving mutants (0)" in report
