"""`nox -s fidelity`'s verdict: every failed check and every difference counts, and a pytest
that failed without a failed check (a crash, no tally at all) still fails the session."""

from __future__ import annotations

from tools.fidelity import summary

PASSED = {"sdk": ["A:1", "A:2", "B:1"], "recordings": ["C:1"], "failed": [], "exitstatus": 0}


def test_a_clean_run_counts_the_checks_and_finds_nothing() -> None:
    assert summary(PASSED, 0) == (
        "fidelity: 3 shapes checked against SDK models, 1 against recordings, 0 differences",
        0,
    )


def test_each_failed_check_and_each_difference_of_the_comparison_counts() -> None:
    tally = {
        **PASSED,
        "failed": ["tests/fidelity/x.py::a", "tests/fidelity/x.py::b"],
        "exitstatus": 1,
    }
    line, found = summary(tally, 3)
    assert found == 5
    assert line.endswith(", 5 differences")


def test_a_failed_pytest_without_a_failed_check_is_a_difference() -> None:
    assert summary({**PASSED, "exitstatus": 2}, 0)[1] == 1
    assert summary({}, 0) == (
        "fidelity: 0 shapes checked against SDK models, 0 against recordings, 1 differences",
        1,
    )
