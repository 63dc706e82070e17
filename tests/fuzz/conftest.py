"""Fixtures of `nox -s fuzz`: the app over real HTTP on the chosen backend, the fake workspace
behind it (the suite's own), and its OpenAPI document loaded into schemathesis."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
import schemathesis

from fake_workspace.reference import ALICE
from fake_workspace.server import FakeWorkspace
from server.config import Settings
from server.deps import TOKEN_HEADER
from tests.fuzz.app_server import serve_app
from tests.fuzz.sent import Sent
from tests.harness.backends import BackendChoice

DEFAULT_MAX_EXAMPLES = 300  # per operation and phase: >= 5,000 requests in all (see README)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--max-examples",
        type=int,
        default=DEFAULT_MAX_EXAMPLES,
        help=f"examples per operation, and stateful runs / 3 (default {DEFAULT_MAX_EXAMPLES})",
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    by_status = ", ".join(f"{s}: {n}" for s, n in sorted(Sent.statuses.items()))
    total = sum(Sent.statuses.values())
    terminalreporter.write_line(f"fuzz: {total} requests sent to the app ({by_status})")


@pytest.fixture(scope="session")
def app_url(
    backend: BackendChoice,
    provisioned_database_url: str | None,
    settings_factory: Callable[..., Settings],
    tmp_path_factory: pytest.TempPathFactory,
    fake_server: FakeWorkspace | None,
) -> Iterator[str]:
    if backend.name == "sqlite":
        database_url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'app.db'}"
    elif backend.name == "postgres":
        database_url = provisioned_database_url or backend.url
    else:
        pytest.exit("fuzzing runs on --db=sqlite or --db=postgres", returncode=4)
    settings = settings_factory(database_url=database_url, run_migrations_on_startup=True)
    with serve_app(settings) as url:
        yield url


@pytest.fixture(scope="session")
def api_schema(app_url: str, pytestconfig: pytest.Config) -> schemathesis.BaseSchema:
    """The app's own OpenAPI document; every request carries Alice's token."""
    document = httpx.get(f"{app_url}/openapi.json").json()
    config = schemathesis.Config.from_dict(
        {
            "base-url": app_url,
            "headers": {TOKEN_HEADER: ALICE.token},
            "generation": {"max-examples": pytestconfig.getoption("--max-examples")},
        }
    )
    return schemathesis.openapi.from_dict(document, config=config)
