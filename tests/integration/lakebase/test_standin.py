"""The Lakebase stand-in refuses what Lakebase refuses, and the app copes with it.

Lakebase lets the app's service principal in only over SSL and only with an unexpired database
credential its workspace minted for that endpoint (Autoscaling) or instance (Provisioned).
These tests show the stand-in enforces that (a trust-auth server would let each of the refused
connections in) and that the app keeps its database by minting a new credential inside its
refresh margin. Each Lakebase cell runs them on its own flavour. No test waits for real time to
pass: the fake ends credentials on demand, and the app's credential provider reads a clock the
test moves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from fake_workspace import FakeWorkspace
from fake_workspace.reference import ALICE, APP_SP
from server.clock import SystemClock
from server.config import Settings
from server.db.database import Database
from server.db.engine import create_lakebase_engine
from server.db.lakebase import LakebaseCredentialProvider, service_principal_minter
from tests.harness import auth
from tests.harness.clock import FakeClock
from tests.harness.lakebase_standin import LakebaseStandIn
from tests.harness.lakebase_targets import OTHER_TARGETS, LakebaseTarget
from tests.harness.settings import lakebase_values
from tests.integration.api import PREFS
from tests.integration.expectations import assert_error
from tests.integration.rows import connection_password

pytestmark = [pytest.mark.lakebase_only, pytest.mark.fake_only]

REFRESH_MARGIN = timedelta(minutes=5)
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)
LIFETIME = timedelta(hours=1)


@pytest.fixture
def lakebase_settings(
    database: Database, settings_factory: Callable[..., Settings], lakebase_target: LakebaseTarget
) -> Settings:
    """Storage as Databricks Apps configures it, on the run's database in the stand-in."""
    return settings_factory(
        **lakebase_values(
            database.engine.url,
            lakebase_target,
            pgsslmode="require",
            lakebase_token_refresh_margin_seconds=REFRESH_MARGIN.total_seconds(),
        )
    )


def mint(settings: Settings) -> str:
    """A credential minted as the app mints it: the service principal, through the SDK."""
    return service_principal_minter(settings, SystemClock())().token


def connect(settings: Settings, password: str, *, sslmode: str = "require") -> None:
    """Open (and close) a connection as the service principal's role; raises when refused."""
    with psycopg.connect(
        host=settings.pghost,
        port=settings.pgport,
        dbname=settings.pgdatabase,
        user=settings.pguser,
        password=password,
        sslmode=sslmode,
        connect_timeout=10,
    ) as conn:
        conn.execute("SELECT 1")


def refused(settings: Settings, password: str, **options: Any) -> str:
    """The server's reason for refusing this connection (fails the test if it lets it in)."""
    with pytest.raises(psycopg.OperationalError) as refusal:
        connect(settings, password, **options)
    return str(refusal.value)


async def test_a_made_up_token_is_refused(lakebase_settings: Settings) -> None:
    minted = mint(lakebase_settings)

    reason = refused(lakebase_settings, "lbtok-1-made-up")

    assert "password authentication failed" in reason
    connect(lakebase_settings, minted)  # the minted one gets in: the refusal was the token


async def test_a_token_minted_for_another_endpoint_or_instance_is_refused(
    lakebase_settings: Settings, lakebase_target: LakebaseTarget, fake: FakeWorkspace
) -> None:
    other = lakebase_settings.model_copy(update=OTHER_TARGETS[lakebase_target.flavour].setting())
    own = mint(lakebase_settings)
    foreign = mint(other)

    # The workspace minted it, for the same role, unexpired: only its target is wrong.
    assert fake.lakebase.is_valid(foreign, APP_SP.application_id)
    assert not fake.lakebase.is_valid(foreign, APP_SP.application_id, lakebase_target.name)
    assert "password authentication failed" in refused(lakebase_settings, foreign)
    connect(lakebase_settings, own)


async def test_an_expired_token_is_refused(
    lakebase_settings: Settings, fake: FakeWorkspace
) -> None:
    fake.lakebase.credential_lifetime_seconds = -60  # minted already past its expiry
    expired = mint(lakebase_settings)
    fake.lakebase.credential_lifetime_seconds = int(LIFETIME.total_seconds())
    valid = mint(lakebase_settings)

    connect(lakebase_settings, valid)
    fake.lakebase.expire_credentials()

    assert "password authentication failed" in refused(lakebase_settings, expired)
    assert "password authentication failed" in refused(lakebase_settings, valid)


async def test_a_connection_without_ssl_is_refused(lakebase_settings: Settings) -> None:
    token = mint(lakebase_settings)

    reason = refused(lakebase_settings, token, sslmode="disable")

    assert "no encryption" in reason
    connect(lakebase_settings, token, sslmode="require")


@pytest.fixture
def clock(clock: FakeClock, fake: FakeWorkspace) -> FakeClock:
    """The test's clock, which the fake stamps credential expiries with too (the stand-in
    server checks them against real time, which stays behind: only expire_credentials ends one)."""
    fake.lakebase.now = clock.now
    fake.lakebase.credential_lifetime_seconds = int(LIFETIME.total_seconds())
    return clock


@pytest.fixture
async def lakebase_app_database(
    lakebase_settings: Settings, clock: FakeClock
) -> AsyncIterator[Database]:
    """The app's Lakebase storage (engine + credential provider) reading the test's clock."""
    provider = LakebaseCredentialProvider(
        service_principal_minter(lakebase_settings, clock),
        refresh_margin=REFRESH_MARGIN,
        clock=clock,
    )
    engine, _ = create_lakebase_engine(lakebase_settings, clock, provider)
    database = Database(engine, credentials=provider)
    try:
        yield database
    finally:
        await engine.dispose()


async def first_token_in_use(client: Any, fake: FakeWorkspace) -> str:
    """A request that makes the app mint and log in; the token it minted."""
    response = await client.post(PREFS, json={"key": "k", "value": 1}, headers=auth(ALICE.token))
    assert response.status_code == 201, response.text
    assert fake.lakebase.tokens_minted == 1
    return fake.lakebase.minted[0].token


async def test_the_app_keeps_answering_across_an_expiry_by_minting_inside_its_margin(
    client_factory, lakebase_app_database: Database, fake: FakeWorkspace, clock: FakeClock
) -> None:
    client = await client_factory(database=lakebase_app_database)
    first = await first_token_in_use(client, fake)

    clock.advance(
        (LIFETIME - REFRESH_MARGIN + timedelta(seconds=1)).total_seconds()
    )  # inside the margin
    fake.lakebase.expire_credentials()  # from now on the server refuses the first token
    await lakebase_app_database.engine.dispose()  # passwords are checked when connecting
    response = await client.get(PREFS, headers=auth(ALICE.token))

    assert response.status_code == 200, response.text
    assert [(i["key"], i["value"]) for i in response.json()["items"]] == [("k", 1)]
    assert fake.lakebase.tokens_minted == 2
    second = fake.lakebase.minted[1].token
    assert second != first
    assert await connection_password(lakebase_app_database) == second


def end_credential(
    how: str, fake: FakeWorkspace, standin: LakebaseStandIn | None, token: str
) -> None:
    """Make the server refuse `token` long before the app would refresh it."""
    if how == "expired":
        fake.lakebase.expire_credentials()
    else:  # revoked: the role's password is no longer the token (restored after the test)
        assert standin is not None
        standin.passwords.accept_credential(APP_SP.application_id, f"{token}-revoked", FAR_FUTURE)


@pytest.mark.parametrize("how", ["expired", "revoked"])
async def test_a_refused_credential_is_replaced_at_once_and_the_request_served(
    client_factory,
    lakebase_app_database: Database,
    lakebase_standin: LakebaseStandIn | None,
    fake: FakeWorkspace,
    how: str,
) -> None:
    # The app's clock stays put: its refresh time is an hour away.
    client = await client_factory(database=lakebase_app_database)
    first = await first_token_in_use(client, fake)

    end_credential(how, fake, lakebase_standin, first)
    await lakebase_app_database.engine.dispose()  # passwords are checked when connecting
    response = await client.get(PREFS, headers=auth(ALICE.token))

    assert response.status_code == 200, response.text
    assert [(i["key"], i["value"]) for i in response.json()["items"]] == [("k", 1)]
    assert fake.lakebase.tokens_minted == 2
    assert await connection_password(lakebase_app_database) == fake.lakebase.minted[1].token


async def test_a_credential_refused_again_once_replaced_is_503_after_one_new_mint(
    client_factory,
    lakebase_app_database: Database,
    lakebase_standin: LakebaseStandIn | None,
    fake: FakeWorkspace,
) -> None:
    client = await client_factory(database=lakebase_app_database)
    first = await first_token_in_use(client, fake)
    assert lakebase_standin is not None
    standin = lakebase_standin

    def revoke(credential: Any) -> None:  # after the stand-in took it: revoked at once
        standin.passwords.accept_credential(credential.user_name, "revoked", FAR_FUTURE)

    stop_revoking = fake.lakebase.on_credential(revoke)
    try:
        end_credential("revoked", fake, standin, first)
        await lakebase_app_database.engine.dispose()
        refused_response = await client.get(PREFS, headers=auth(ALICE.token))
    finally:
        stop_revoking()

    assert_error(refused_response, 503, "DATABASE_UNAVAILABLE")
    assert fake.lakebase.tokens_minted == 2  # one new credential, not a loop of them


async def test_a_revoked_service_principal_gives_503_and_recovers_once_it_may_mint_again(
    client_factory,
    lakebase_app_database: Database,
    lakebase_settings: Settings,
    fake: FakeWorkspace,
    clock: FakeClock,
    lakebase_target: LakebaseTarget,
) -> None:
    client = await client_factory(database=lakebase_app_database)
    first = await first_token_in_use(client, fake)

    fake.lakebase.revoke_access(APP_SP.application_id)
    clock.advance(LIFETIME.total_seconds())
    fake.lakebase.expire_credentials()  # the old credential is no way around the revocation
    await lakebase_app_database.engine.dispose()
    during = await client.get(PREFS, headers=auth(ALICE.token))

    assert_error(during, 503, "DATABASE_UNAVAILABLE")
    denied = fake.requests.for_route(lakebase_target.credential_route)[-1]
    assert denied.status == 403
    assert "password authentication failed" in refused(lakebase_settings, first)

    fake.lakebase.grant_access(APP_SP.application_id)
    after = await client.get(PREFS, headers=auth(ALICE.token))

    assert after.status_code == 200, after.text
    assert [(i["key"], i["value"]) for i in after.json()["items"]] == [("k", 1)]
    assert fake.lakebase.tokens_minted == 2
    assert await connection_password(lakebase_app_database) == fake.lakebase.minted[1].token


async def test_the_stand_in_starts_when_the_temporary_directory_is_private(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As `mktemp -d` makes it, and as a checkout inside one gives nox's per-session TMPDIR.
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    monkeypatch.setenv("TMPDIR", str(private))
    monkeypatch.setattr("tempfile.tempdir", None)  # tempfile reads TMPDIR again

    with LakebaseStandIn() as standin:
        with psycopg.connect(standin.admin_url, connect_timeout=10) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        directory = standin.directory

    assert not directory.exists(), "the cluster is removed with the stand-in"
