"""What a rehearsal of the release job's live cell must show, each a verdict with its reason.

Pure functions of what the driver saw (the cell's exit code and output, the rows before and
after, what was left on the server and in the workspace, the fake's own summary line), so
`test_verdicts.py` can feed each one a doctored observation and watch it fail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# The last line `python -m fake_workspace` prints when it stops.
_FAKE_SUMMARY = re.compile(
    r"fake workspace: (?P<answered>\d+) requests answered, (?P<unrouted>\d+) unrouted, "
    r"(?P<errors>\d+) errors"
)
# One line per request the fake answers: `fake workspace: GET /api/... 200` (or `unrouted ...`).
_REQUEST_LINE = re.compile(r"fake workspace: (unrouted )?[A-Z]+ /\S* \S+$")
# nox's own lines before a session's first line: its name, its environment, and (running
# sessions in parallel, as the noxfile asks) the start and outcome lines it prints first.
_NOX_PREAMBLE = (
    "nox > Running session",
    "nox > Creating virtual environment",
    "nox > Re-using",
    "Starting session",
    "==========",
)


@dataclass(frozen=True)
class Verdict:
    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Probe:
    """A live run that ended badly on purpose (`probe_live_run.py`): how pytest ended it, how
    it had to end, and what it left."""

    name: str
    exit_code: int
    expected_exit: int
    left_behind: Sequence[str]


@dataclass(frozen=True)
class FakeSummary:
    answered: int
    unrouted: int
    errors: int


def parse_fake_summary(output: str) -> FakeSummary | None:
    """The counts of the fake's last summary line, None when it printed none (it died)."""
    found = _FAKE_SUMMARY.findall(output)
    if not found:
        return None
    answered, unrouted, errors = (int(n) for n in found[-1])
    return FakeSummary(answered, unrouted, errors)


def requests_answered(output: str) -> int:
    """How many requests the fake has logged so far (one line each, before its summary)."""
    return sum(
        1
        for line in output.splitlines()
        if _REQUEST_LINE.match(line) and not _FAKE_SUMMARY.match(line)
    )


def first_session_line(output: str) -> str:
    """The first line the cell itself printed, after nox's own preamble."""
    for line in output.splitlines():
        if line.strip() and not line.startswith(_NOX_PREAMBLE):
            return line
    return ""


def judge(
    *,
    exit_code: int,
    output: str,
    rows_before: Sequence[tuple[object, ...]],
    rows_after: Sequence[tuple[object, ...]],
    left_behind: Sequence[str],
    fake: FakeSummary | None,
    migrations_exit: int | None = None,
    probes: Sequence[Probe] = (),
) -> list[Verdict]:
    """Every verdict of one rehearsal; it passes when all of them do. `migrations_exit`: the
    migration rehearsal's exit code, where it ran (Autoscaling: it needs branches)."""
    first = first_session_line(output)
    lost = [row for row in rows_before if row not in rows_after]
    rehearsed = (
        []
        if migrations_exit is None
        else [
            Verdict(
                "the migration rehearsal passes",
                migrations_exit == 0,
                f"`python -m tests.rehearsal migrations` exit code {migrations_exit}",
            )
        ]
    )
    return [
        Verdict("the cell exits 0", exit_code == 0, f"exit code {exit_code}"),
        Verdict("the cell says LIVE first", "LIVE" in first, f"first line: {first!r}"),
        Verdict(
            "the configured database's rows are untouched",
            bool(rows_before) and not lost and len(rows_after) == len(rows_before),
            f"{len(rows_before)} rows before, {len(rows_after)} after, {len(lost)} lost or changed",
        ),
        Verdict(
            "nothing the run created is left",
            not left_behind,
            ", ".join(left_behind) or "no branch, database or schema left",
        ),
        Verdict(
            "the fake routed every request, without an error inside it",
            fake is not None and fake.unrouted == 0 and fake.errors == 0 and fake.answered > 0,
            "no summary line from the fake"
            if fake is None
            else f"{fake.answered} answered, {fake.unrouted} unrouted, {fake.errors} errors",
        ),
        *rehearsed,
        *(
            Verdict(
                f"{probe.name} leaves nothing",
                probe.exit_code == probe.expected_exit and not probe.left_behind,
                f"pytest exit code {probe.exit_code} (expected {probe.expected_exit}); "
                + (", ".join(probe.left_behind) or "nothing left"),
            )
            for probe in probes
        ),
    ]
