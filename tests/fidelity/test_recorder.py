"""The shape recorder of live runs, tried on the fake: the same machinery compares the fake
with itself (no difference), and a doctored answer is a difference that fails the run.

"Live" here is the fake served on its own (`python -m fake_workspace`, another process),
treated exactly as a workspace: a recording proxy in front of it, clients pointed at the proxy.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.config import Config

from fake_workspace import FakeWorkspace
from fake_workspace.fidelity.__main__ import main as compare_main
from fake_workspace.fidelity.compare import compare
from fake_workspace.fidelity.proxy import RecordingProxy
from fake_workspace.fidelity.shapes import ShapeBook
from fake_workspace.reference import ALICE, WAREHOUSE_ID
from tests.fidelity.catalogue import all_cases
from tests.fidelity.doctor import DOCTORED, serve_doctor

SQL_KEY = f"{DOCTORED.method} {DOCTORED.template} 200"


def drive(host: str) -> None:
    """What the app asks a workspace, through the SDK the app uses."""
    config = Config(host=host, token=ALICE.token, auth_type="pat", retry_timeout_seconds=10)
    w = WorkspaceClient(config=config)
    w.current_user.me()
    list(w.catalogs.list())
    list(w.schemas.list(catalog_name="main"))
    list(w.tables.list(catalog_name="main", schema_name="sales"))
    w.tables.get("main.sales.orders")
    w.statement_execution.execute_statement(
        "SELECT * FROM main.sales.orders LIMIT 2", WAREHOUSE_ID, wait_timeout="10s"
    )
    list(w.serving_endpoints.list())


@pytest.fixture(scope="module")
def offline_book() -> ShapeBook:
    """The fake's own book of the same calls, as every offline run records it."""
    with FakeWorkspace() as fake:
        book = fake.record_shapes()
        drive(fake.base_url)
    return book


def recorded_through_proxy(upstream: str) -> ShapeBook:
    with RecordingProxy(upstream) as proxy:
        drive(proxy.base_url)
    return proxy.book


def compare_books_on_disk(live: ShapeBook, offline: ShapeBook, report: Path) -> int:
    """`python -m fake_workspace.fidelity` on the two books written to files, as a cell runs it."""
    (report.parent / "live.json").write_text(live.dumps())
    (report.parent / "offline.json").write_text(offline.dumps())
    reference, candidate = str(report.parent / "live.json"), str(report.parent / "offline.json")
    return compare_main(
        ["--reference", reference, "--candidate", candidate, "--report", str(report)]
    )


def test_the_live_recorder_on_the_fake_served_alone_finds_no_difference(
    served_alone: str, offline_book: ShapeBook, tmp_path: Path
) -> None:
    live = recorded_through_proxy(served_alone)

    assert SQL_KEY in live.routes
    assert "GET /api/2.0/preview/scim/v2/Me 200" in live.routes
    comparison = compare(live, offline_book)
    assert (comparison.differences, comparison.unanswered) == (0, [])
    assert len(comparison.routes) == len(live.routes)
    report = tmp_path / "fidelity.md"
    assert compare_books_on_disk(live, offline_book, report) == 0
    assert "**0 difference(s)**" in report.read_text()


def test_a_doctored_answer_fails_the_comparison(
    served_alone: str, offline_book: ShapeBook, tmp_path: Path
) -> None:
    doctor = serve_doctor(served_alone)
    try:
        live = recorded_through_proxy(doctor.base_url)
    finally:
        doctor.stop()

    comparison = compare(live, offline_book)
    (diff,) = [d for d in comparison.routes if d.count]
    assert diff.route == SQL_KEY
    assert diff.lacking == ["manifest.schema.columns[].type_name=BIGINT"]
    assert diff.invented == ["manifest.truncated"]
    report = tmp_path / "fidelity.md"
    assert compare_books_on_disk(live, offline_book, report) == 1
    assert f"`{SQL_KEY}`" in report.read_text()


def test_every_answer_of_the_catalogue_recorded_twice_is_the_same() -> None:
    """The fake's own recorder and the live one agree on every route x case the fake has.

    On a fake of its own: recording, once on, stays on, and the suite's shared fake must not
    record for the rest of the session.
    """
    with (
        FakeWorkspace() as fake,
        RecordingProxy(fake.base_url) as proxy,
        httpx.Client(base_url=proxy.base_url, timeout=30) as http,
    ):
        own = fake.record_shapes()
        for case in all_cases():
            fake.reset()
            case.call(fake, http)
        fake.check_errors()
    comparison = compare(proxy.book, own)
    assert comparison.differences == 0, comparison
    assert len(comparison.routes) >= 30
