"""Fixtures of `nox -s fuzz`: the app over real HTTP on the chosen backend, the fake workspace
behind it (the suite's own), and its OpenAPI document loaded into schemathesis."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
import schemathesis

from fake_workspace import FakeWorkspace
from server.config import Settings
from tests.fuzz import document
from tests.fuzz.app_server import serve_app
from tests.fuzz.document import DEFAULT_MAX_EXAMPLES, Options
from tests.fuzz.sent import Sent
from tests.harness.backends import BackendChoice


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--max-examples",
        type=int,
        default=DEFAULT_MAX_EXAMPLES,
        help=f"examples per operation, and stateful runs / 3 (default {DEFAULT_MAX_EXAMPLES})",
    )


def pytest_configure(config: pytest.Config) -> None:
    # Before collection: the per-operation tests are built from the document as they are collected.
    Options.max_examples = config.getoption("--max-examples")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in Sent.summary():
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def app_url(
    backend: BackendChoice,
    provisioned_database_url: str | None,
    session_settings: Callable[..., Settings],
    tmp_path_factory: pytest.TempPathFactory,
    fake_server: FakeWorkspace | None,
) -> Iterator[str]:
    if backend.name == "sqlite":
        database_url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'app.db'}"
    elif backend.name == "postgres":
        database_url = provisioned_database_url or backend.url
    else:
        pytest.exit("fuzzing runs on --db=sqlite or --db=postgres", returncode=4)
    settings = session_settings(database_url=database_url, run_migrations_on_startup=True)
    with serve_app(settings) as url:
        yield url


@pytest.fixture(scope="session")
def api_schema(app_url: str) -> schemathesis.BaseSchema:
    """The app's own OpenAPI document; every request carries Alice's token."""
    return document.load(httpx.get(f"{app_url}/openapi.json").json(), base_url=app_url)
