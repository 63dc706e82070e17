"""pytest plugin: `--record-shapes DIR` records the shape of every answer the workspace gives.

Offline the fake records its own answers (`FakeWorkspace.record_shapes`); live, a recording
reverse proxy (`fake_workspace.fidelity.proxy`) stands in front of `DATABRICKS_HOST` and the
app is pointed at it, so every answer the real workspace sends the app is recorded on its way
through. Either way the book is `DIR/<offline|live>-<worker>.json` at the end of the session:
key paths, JSON types and enum values only (fake_workspace.fidelity.shapes), never values.
`python -m fake_workspace.fidelity` compares a live run's books with an offline run's.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fake_workspace import FakeWorkspace
from fake_workspace.fidelity.proxy import RecordingProxy
from fake_workspace.fidelity.shapes import ShapeBook

_BOOK = pytest.StashKey[ShapeBook]()
_MODE = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--record-shapes",
        metavar="DIR",
        default=None,
        help="write the shape of every workspace answer to DIR/<offline|live>-<worker>.json",
    )


def _directory(config: pytest.Config) -> Path | None:
    value = config.getoption("--record-shapes")
    return Path(value) if value else None


def record_fake(config: pytest.Config, fake: FakeWorkspace) -> None:
    """Offline: with --record-shapes, the fake keeps the shape of each of its answers."""
    if _directory(config) is not None:
        config.stash[_BOOK] = fake.record_shapes()
        config.stash[_MODE] = "offline"


def recorded_host(config: pytest.Config, host: str) -> str:
    """Live: with --record-shapes, a recording proxy's URL in front of ``host``; else ``host``."""
    if _directory(config) is None:
        return host
    proxy = RecordingProxy(host).start()
    config.add_cleanup(proxy.stop)
    config.stash[_BOOK] = proxy.book
    config.stash[_MODE] = "live"
    return proxy.base_url


def pytest_sessionfinish(session: pytest.Session) -> None:
    directory = _directory(session.config)
    book = session.config.stash.get(_BOOK, None)
    if directory is None or book is None:
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{session.config.stash[_MODE]}-{worker}.json").write_text(book.dumps())
