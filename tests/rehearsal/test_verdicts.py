"""Each verdict of the live-cell rehearsal fails on the observation it exists to catch."""

from __future__ import annotations

from typing import Any

import pytest

from tests.rehearsal.verdicts import (
    FakeSummary,
    Probe,
    first_session_line,
    judge,
    parse_fake_summary,
    requests_answered,
)

ROW = ("production-user", "theme", '"dark"')
GOOD_OUTPUT = (
    "nox > Running session integration-lakebase-3.11\n"
    "nox > Re-using existing virtual environment at .nox/integration-lakebase-3-11.\n"
    "nox > LIVE (Lakebase Autoscaling): a real workspace and database (TEST_MODE=live)\n"
    "nox > python -c ...\n"
)


def observation(**changes: Any) -> dict[str, Any]:
    good: dict[str, Any] = {
        "exit_code": 0,
        "output": GOOD_OUTPUT,
        "rows_before": [ROW],
        "rows_after": [ROW],
        "left_behind": [],
        "fake": FakeSummary(answered=120, unrouted=0, errors=0),
    }
    return {**good, **changes}


def failed(**changes: Any) -> list[str]:
    return [v.name for v in judge(**observation(**changes)) if not v.passed]


def test_a_clean_rehearsal_passes_every_verdict() -> None:
    assert failed() == []


@pytest.mark.parametrize(
    ("changes", "verdict"),
    [
        pytest.param({"exit_code": 1}, "the cell exits 0", id="failed-cell"),
        pytest.param(
            {"output": GOOD_OUTPUT.replace("LIVE (", "OFFLINE (")},
            "the cell says LIVE first",
            id="ran-offline",
        ),
        pytest.param(
            {"rows_after": []}, "the configured database's rows are untouched", id="row-deleted"
        ),
        pytest.param(
            {"rows_after": [("production-user", "theme", '"light"')]},
            "the configured database's rows are untouched",
            id="row-changed",
        ),
        pytest.param(
            {"rows_after": [ROW, ("it-user", "k", "1")]},
            "the configured database's rows are untouched",
            id="row-added",
        ),
        pytest.param(
            {"rows_before": [], "rows_after": []},
            "the configured database's rows are untouched",
            id="nothing-to-compare",
        ),
        pytest.param(
            {"left_behind": ["branch projects/app/branches/it-20261207-120000-abcdef"]},
            "nothing the run created is left",
            id="branch-left",
        ),
        pytest.param(
            {"fake": FakeSummary(120, 1, 0)},
            "the fake routed every request, without an error inside it",
            id="unrouted",
        ),
        pytest.param(
            {"fake": FakeSummary(120, 0, 2)},
            "the fake routed every request, without an error inside it",
            id="fake-error",
        ),
        pytest.param(
            {"fake": None},
            "the fake routed every request, without an error inside it",
            id="fake-died",
        ),
    ],
)
def test_each_verdict_fails_on_what_it_guards(changes: dict[str, Any], verdict: str) -> None:
    assert failed(**changes) == [verdict]


def test_the_fake_summary_is_read_from_its_last_line() -> None:
    output = (
        "fake workspace: GET /api/2.0/preview/scim/v2/Me 200\n"
        "fake workspace: 3 requests answered, 0 unrouted, 0 errors\n"
        "fake workspace: 41 requests answered, 2 unrouted, 1 errors\n"
    )
    assert parse_fake_summary(output) == FakeSummary(41, 2, 1)
    assert requests_answered(output) == 1  # the request lines so far, not the summaries
    assert parse_fake_summary("killed\n") is None


def test_the_first_session_line_skips_nox_preamble_only() -> None:
    assert first_session_line(GOOD_OUTPUT).startswith("nox > LIVE (")
    assert first_session_line("nox > Running session x\nboom\n") == "boom"
    parallel = (
        "Starting session x...\n========== ✓ x: success, 2 minutes ==========\n" + GOOD_OUTPUT
    )
    assert first_session_line(parallel).startswith("nox > LIVE (")


def test_a_failed_migration_rehearsal_fails_the_rehearsal_where_it_ran() -> None:
    assert failed(migrations_exit=0) == []
    assert failed(migrations_exit=1) == ["the migration rehearsal passes"]


def test_a_bad_ending_that_leaves_something_or_ends_otherwise_fails() -> None:
    clean = Probe("a failing run", exit_code=1, expected_exit=1, left_behind=[])
    left = Probe("an interrupted run", 2, 2, ["schema it_20261207_120000_abcdef"])
    passed_instead = Probe("a failing run", 0, 1, [])

    assert failed(probes=[clean]) == []
    assert failed(probes=[left]) == ["an interrupted run leaves nothing"]
    assert failed(probes=[passed_instead]) == ["a failing run leaves nothing"]
