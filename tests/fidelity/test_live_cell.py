"""The live cell's whole path, with the fake served on its own standing in for the workspace:
the suite's live-capable tests run with TEST_MODE=live and `--record-shapes` (the harness puts
the recording proxy in front of DATABRICKS_HOST), the same tests run offline recording the
fake's own answers, and `python -m fake_workspace.fidelity` compares the two as a release does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fake_workspace.fidelity.__main__ import main as compare_main
from fake_workspace.reference import ALICE, APP_SP, FRAUD_DETECTOR, WAREHOUSE_ID
from tests.fidelity.doctor import DOCTORED, serve_doctor

ROOT = Path(__file__).resolve().parents[2]
TESTS = "tests/integration/live"


def run_suite(book: Path, *, live_host: str | None) -> subprocess.CompletedProcess[str]:
    """The smoke tests in a pytest of their own, recording every workspace answer's shape."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "RUN_FIDELITY"))}
    env |= {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    if live_host is not None:
        env |= {
            "TEST_MODE": "live",
            "DATABRICKS_HOST": live_host,
            "DATABRICKS_TOKEN": ALICE.token,
            "DATABRICKS_CLIENT_ID": APP_SP.application_id,
            "DATABRICKS_CLIENT_SECRET": APP_SP.client_secret,
            "DATABRICKS_WAREHOUSE_ID": WAREHOUSE_ID,
            "LIVE_CATALOG": "main",
            "LIVE_SCHEMA": "sales",
            "LIVE_TABLE": "orders",
            "LIVE_ENDPOINT": FRAUD_DETECTOR.name,
        }
    else:
        env.pop("TEST_MODE", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            TESTS,
            "--db=sqlite",
            "-q",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            f"--rootdir={ROOT}",
            f"--record-shapes={book}",
        ],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The offline run's book: the same tests against the fake, as every offline run records."""
    directory = tmp_path_factory.mktemp("offline")
    run = run_suite(directory, live_host=None)
    assert run.returncode == 0, run.stdout
    (book,) = directory.glob("offline-*.json")
    return book


def test_a_live_run_against_the_fake_alone_matches_the_offline_run(
    served_alone: str, offline: Path, tmp_path: Path
) -> None:
    run = run_suite(tmp_path / "live", live_host=served_alone)
    assert run.returncode == 0, run.stdout  # the live-capable tests pass against it
    (live,) = (tmp_path / "live").glob("live-*.json")
    report = tmp_path / "fidelity.md"

    code = compare_main(
        ["--reference", str(live), "--candidate", str(offline), "--report", str(report)]
    )

    text = report.read_text()
    assert code == 0, text
    assert f"`{DOCTORED.method} {DOCTORED.template} 200`" in text  # the query went through
    assert "GET /api/2.0/preview/scim/v2/Me 200" in text


def test_a_live_run_fails_when_one_answer_of_the_workspace_differs(
    served_alone: str, offline: Path, tmp_path: Path
) -> None:
    doctor = serve_doctor(served_alone)
    try:
        run_suite(tmp_path / "live", live_host=doctor.base_url)
    finally:
        doctor.stop()
    (live,) = (tmp_path / "live").glob("live-*.json")
    report = tmp_path / "fidelity.md"

    code = compare_main(
        ["--reference", str(live), "--candidate", str(offline), "--report", str(report)]
    )

    text = report.read_text()
    assert code == 1
    assert "**2 difference(s)**" in text
    assert "`manifest.schema.columns[].type_name=BIGINT`" in text
    assert "`manifest.truncated`" in text
