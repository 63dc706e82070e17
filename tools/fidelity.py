"""`nox -s fidelity` and the live cells' shape comparison: how close the fake is to Databricks.

Why a module: the session runs three things and adds their counts into one verdict, and the
live Lakebase cells reuse the comparison half; the noxfile stays a list of thin sessions.

1. `tests/fidelity` (the SDK's models judge every answer of the fake; the fake against
   recorded real answers; the shape recorder itself), writing a tally of the distinct
   route x case each check covered (`--fidelity-tally`);
2. the offline half of the live comparison: the tests that also run live, offline, recording
   the fake's answers (`--record-shapes`), then the same comparison a live run makes, here of
   the fake with itself, which must find nothing (`coverage/fidelity.md`).
Last line: `fidelity: N shapes checked against SDK models, M against recordings, D differences`.
"""

from __future__ import annotations

import json
import shutil
from typing import Any

import nox

from tools.suite import PYTEST_ARGS, ROOT, WRITE_BYTECODE, pytest_command

SHAPES = ROOT / "coverage" / "shapes"
REPORT = ROOT / "coverage" / "fidelity.md"
TALLY = ROOT / "coverage" / "fidelity-tally.json"
# The tests a live run runs too (no marker that needs the fake or a given backend).
LIVE_SELECTION = ("-m", "not fake_only and not postgres_only and not lakebase_only")


def _books(kind: str) -> list[str]:
    return sorted(str(p) for p in (SHAPES / kind).glob("*.json"))


def compare(session: nox.Session, reference: str, candidate: str) -> int:
    """Compare the books of two recordings (report: coverage/fidelity.md); the differences."""
    counts = SHAPES / "counts.json"
    counts.unlink(missing_ok=True)
    references, candidates = _books(reference), _books(candidate)
    if not references or not candidates:
        session.error(f"no shapes recorded under {SHAPES.relative_to(ROOT)}/{{live,offline}}")
    session.run(
        "python",
        "-m",
        "fake_workspace.fidelity",
        "--reference",
        *references,
        "--candidate",
        *candidates,
        "--reference-name",
        f"{reference} run",
        "--candidate-name",
        f"{candidate} run of the same tests against the fake",
        "--report",
        str(REPORT),
        "--counts",
        str(counts),
        success_codes=[0, 1],
    )
    if not counts.exists():  # nothing was recorded: the comparison could not be made
        return 1
    differences: int = json.loads(counts.read_text())["differences"]
    return differences


def record_offline(session: nox.Session, db: str) -> None:
    """The tests a live run runs, offline against the fake, its answers' shapes recorded."""
    shutil.rmtree(SHAPES / "offline", ignore_errors=True)
    env = {**WRITE_BYTECODE, "TEST_MODE": "", "LAKEBASE_REQUIRED": ""}
    args = (*LIVE_SELECTION, f"--record-shapes={SHAPES / 'offline'}", "-p", "no:randomly")
    session.run(*pytest_command(db, *args), env=env)


def live_args() -> tuple[str, ...]:
    """What a live cell adds to its pytest command: the recording proxy."""
    shutil.rmtree(SHAPES / "live", ignore_errors=True)
    return (f"--record-shapes={SHAPES / 'live'}",)


def check_live(session: nox.Session, db: str) -> None:
    """After a live run: the same tests offline, then live against offline; fails on any
    difference the allow-list does not hold."""
    record_offline(session, db)
    if compare(session, "live", "offline"):
        session.error(f"the fake differs from the workspace: {REPORT.relative_to(ROOT)}")


def run(session: nox.Session) -> None:
    TALLY.unlink(missing_ok=True)
    session.run(
        "pytest",
        "tests/fidelity",
        "-p",
        "no:randomly",
        *PYTEST_ARGS,
        f"--fidelity-tally={TALLY}",
        *session.posargs,
        env={**WRITE_BYTECODE, "RUN_FIDELITY": "1"},
        success_codes=[0, 1],
    )
    record_offline(session, "sqlite")
    differences = compare(session, "offline", "offline")
    tally = json.loads(TALLY.read_text()) if TALLY.exists() else {}
    line, found = summary(tally, differences)
    for name in tally.get("failed", []):
        session.log(f"difference: {name}")
    print(line)
    if found:
        session.error()


def summary(tally: dict[str, Any], differences: int) -> tuple[str, int]:
    """The last line, and D: each failed check, each difference of the comparison, and one
    more when pytest failed without a failed check to show for it (or wrote no tally)."""
    failed = tally.get("failed", [])
    broken = not failed and tally.get("exitstatus", 1) != 0
    found = len(failed) + differences + int(broken)
    line = (
        f"fidelity: {len(tally.get('sdk', []))} shapes checked against SDK models, "
        f"{len(tally.get('recordings', []))} against recordings, {found} differences"
    )
    return line, found
