"""The app configured exactly as Databricks Apps configure it for a Lakebase resource: PG*
variables, the endpoint (Autoscaling) or instance (Provisioned) and the service principal's
OAuth credentials. The password of every new connection is a database token minted by the
service principal, from whichever API the flavour speaks; nothing else differs."""

from __future__ import annotations

import pytest

from fake_workspace import FakeWorkspace, Route
from fake_workspace.reference import ALICE, APP_SP
from server.db.database import Database
from tests.harness import auth
from tests.harness.backends import BackendChoice, LakebaseFlavour, ensure_login_role
from tests.harness.clock import FakeClock
from tests.harness.lakebase_targets import APP_TARGETS
from tests.harness.selection import exercised_flavours
from tests.harness.settings import lakebase_values
from tests.integration.api import PREFS
from tests.integration.rows import connection_password

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.fake_only,
    pytest.mark.usefixtures("lakebase_role"),
]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "flavour" in metafunc.fixturenames:
        metafunc.parametrize("flavour", exercised_flavours(metafunc.config))


@pytest.fixture
def lakebase_role(backend: BackendChoice, database: Database) -> str:
    """The service principal's Postgres role, as Lakebase has it, allowed on this run's database."""
    assert database.engine.url.database is not None
    ensure_login_role(backend.url, APP_SP.application_id, database.engine.url.database)
    return APP_SP.application_id


async def lakebase_client(
    client_factory, database: Database, flavour: LakebaseFlavour, **overrides
):
    """A new app whose storage comes only from the Lakebase variables (no DATABASE_URL), on the
    run's database: SSL as the run's database has it (`require` on the stand-in)."""
    settings = {"run_migrations_on_startup": True, **overrides}
    values = lakebase_values(database.engine.url, APP_TARGETS[flavour], **settings)
    return await client_factory(database=False, **values)


async def test_connection_password_is_the_token_the_service_principal_minted(
    client_factory, database: Database, fake: FakeWorkspace, flavour: LakebaseFlavour
) -> None:
    client = await lakebase_client(client_factory, database, flavour)

    response = await client.post(PREFS, json={"key": "k", "value": 1}, headers=auth(ALICE.token))

    assert response.status_code == 201
    minted = fake.lakebase.minted
    assert len(minted) == 1
    assert minted[0].user_name == APP_SP.application_id
    assert (minted[0].flavour, minted[0].targets) == (flavour, (APP_TARGETS[flavour].name,))
    app_database: Database = client.app.state.database
    assert app_database.engine.url.username == APP_SP.application_id
    assert await connection_password(app_database) == minted[0].token
    # Minted with the service principal's OAuth token, never with the user's, and only from
    # the flavour's own API.
    credential_calls = fake.requests.for_route(APP_TARGETS[flavour].credential_route)
    assert credential_calls
    assert all(call.bearer_token != ALICE.token for call in credential_calls)
    assert fake.requests.for_route(Route.OIDC_TOKEN)
    other = next(t for f, t in APP_TARGETS.items() if f != flavour)
    assert fake.requests.for_route(other.credential_route) == []


async def test_ready_and_the_start_up_line_name_the_flavour(
    client_factory, database: Database, flavour: LakebaseFlavour, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="server.app"):
        client = await lakebase_client(client_factory, database, flavour)

    response = await client.get("/ready")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok"},
        "database": f"lakebase-{flavour}",
    }
    started = [r for r in caplog.records if r.getMessage() == "app started"]
    assert [r.database for r in started] == [f"lakebase-{flavour}"]


async def test_token_is_reused_until_close_to_expiry(
    client_factory, database: Database, fake: FakeWorkspace, flavour: LakebaseFlavour
) -> None:
    client = await lakebase_client(client_factory, database, flavour)

    saved = [
        await client.post(PREFS, json={"key": f"k{index}", "value": 1}, headers=auth(ALICE.token))
        for index in range(5)
    ]

    assert [response.status_code for response in saved] == [201] * 5
    assert fake.lakebase.tokens_minted == 1


@pytest.mark.parametrize(
    "expiry_answered",
    [True, False],
    ids=["expiry-answered", "no-expiry-so-the-documented-hour"],
)
async def test_a_new_token_is_minted_shortly_before_expiry(
    client_factory,
    database: Database,
    fake: FakeWorkspace,
    clock: FakeClock,
    flavour: LakebaseFlavour,
    expiry_answered: bool,
) -> None:
    # A one-hour token and a five-minute margin, on one clock for the fake and the app. A
    # credential answered without its expiry is trusted for the documented hour.
    fake.lakebase.now = clock.now
    fake.lakebase.credential_lifetime_seconds = 3600
    fake.lakebase.answer_without_expiry = not expiry_answered
    client = await lakebase_client(
        client_factory, database, flavour, lakebase_token_refresh_margin_seconds=300
    )
    app_database: Database = client.app.state.database
    await client.get(PREFS, headers=auth(ALICE.token))
    first = fake.lakebase.minted[0].token

    clock.advance(3000)  # 50 minutes on: still outside the margin
    await app_database.engine.dispose()  # the next request opens a new connection
    reused = await client.get(PREFS, headers=auth(ALICE.token))
    assert reused.status_code == 200
    assert fake.lakebase.tokens_minted == 1
    assert await connection_password(app_database) == first

    clock.advance(400)  # 56 minutes 40 s on: inside the last five minutes
    await app_database.engine.dispose()
    response = await client.get(PREFS, headers=auth(ALICE.token))

    assert response.status_code == 200
    assert fake.lakebase.tokens_minted == 2
    second = fake.lakebase.minted[1].token
    assert second != first
    assert await connection_password(app_database) == second


async def test_minting_failure_is_503_database_unavailable(
    client_factory, database: Database, fake: FakeWorkspace, flavour: LakebaseFlavour
) -> None:
    client = await lakebase_client(
        client_factory, database, flavour, run_migrations_on_startup=False
    )
    fake.faults.fail_next(
        APP_TARGETS[flavour].credential_route, times=50, status=403, error_code="PERMISSION_DENIED"
    )

    response = await client.get(PREFS, headers=auth(ALICE.token))

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "DATABASE_UNAVAILABLE"
    fake.faults.clear()
    assert (await client.get(PREFS, headers=auth(ALICE.token))).status_code == 200
