"""The caller's identity is looked up once per token and cached for a few seconds: a
revoked token stops working everywhere once that lifetime has passed, the database-only routes
(preferences, inference log) included, and at once with the cache turned off."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from fake_workspace import FakeWorkspace, Route
from fake_workspace.reference import ALICE, BOB
from server.config import Settings
from server.errors import AppError, ErrorCode
from server.services.user_service import UserService
from server.workspace import WorkspaceGateway
from tests.harness import auth
from tests.harness.clock import FakeClock
from tests.harness.settings import isolated_settings
from tests.integration.api import PREFS
from tests.integration.expectations import assert_error
from tests.integration.routes import ROUTES

pytestmark = pytest.mark.fake_only

# Every route that needs the user's token, by its valid call (tests/integration/routes.py).
AUTHENTICATED_CALLS: list[tuple[str, str, Any]] = [
    (r.example.method, r.example.path, r.example.body) for r in ROUTES if not r.public
]


def test_the_default_lifetime_is_a_few_seconds() -> None:
    assert 0 < isolated_settings().identity_cache_ttl_seconds <= 5


async def test_identity_is_looked_up_once_per_token_while_cached(
    client, fake: FakeWorkspace, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        alices = [await client.get(PREFS, headers=auth(ALICE.token)) for _ in range(3)]
        bobs = await client.get(PREFS, headers=auth(BOB.token))

    assert [r.status_code for r in [*alices, bobs]] == [200] * 4
    # One SCIM lookup per token: the cache serves alice's later requests, never bob's.
    assert [r.bearer_token for r in fake.requests.for_route(Route.SCIM_ME)] == [
        ALICE.token,
        BOB.token,
    ]
    # And the token itself never reaches a log line.
    assert not [r for r in caplog.records if ALICE.token in r.getMessage()]


@pytest.mark.parametrize(("size", "lookups"), [(1, [ALICE, BOB, ALICE]), (2, [ALICE, BOB])])
async def test_the_cache_holds_as_many_identities_as_its_size(
    client_factory, fake: FakeWorkspace, size: int, lookups: list[Any]
) -> None:
    client = await client_factory(identity_cache_size=size)

    for user in (ALICE, BOB, ALICE):
        assert (await client.get(PREFS, headers=auth(user.token))).status_code == 200

    # With room for one identity, bob's pushes alice's out and she is looked up again.
    assert [r.bearer_token for r in fake.requests.for_route(Route.SCIM_ME)] == [
        user.token for user in lookups
    ]


async def test_identity_cache_can_be_turned_off(client_factory, fake: FakeWorkspace) -> None:
    client = await client_factory(identity_cache_ttl_seconds=0)

    responses = [await client.get(PREFS, headers=auth(ALICE.token)) for _ in range(3)]

    assert [r.status_code for r in responses] == [200] * 3
    assert [r.bearer_token for r in fake.requests.for_route(Route.SCIM_ME)] == [ALICE.token] * 3


async def test_cached_identity_lasts_exactly_the_lifetime(
    fake: FakeWorkspace, clock: FakeClock
) -> None:
    settings: Settings = isolated_settings(
        databricks_host=fake.base_url, identity_cache_ttl_seconds=3
    )
    users = UserService(WorkspaceGateway(settings, clock), settings, clock)
    assert (await users.identify(ALICE.token)).user_name == ALICE.user_name

    fake.identity.revoke_token(ALICE.token)
    clock.advance(2.5)
    still_cached = await users.identify(ALICE.token)
    clock.advance(0.5)  # exactly the lifetime: expired
    with pytest.raises(AppError) as refused:
        await users.identify(ALICE.token)

    assert still_cached.user_name == ALICE.user_name
    assert refused.value.code is ErrorCode.AUTH_INVALID
    assert len(fake.requests.for_route(Route.SCIM_ME)) == 2  # first identify, then after expiry


async def test_revoked_token_is_refused_at_once_without_the_identity_cache(
    client_factory, fake: FakeWorkspace
) -> None:
    client = await client_factory(identity_cache_ttl_seconds=0)
    assert (await client.get(PREFS, headers=auth(ALICE.token))).status_code == 200

    fake.identity.revoke_token(ALICE.token)

    assert_error(await client.get(PREFS, headers=auth(ALICE.token)), 401, "AUTH_INVALID")


async def test_revoked_token_is_refused_once_the_identity_cache_lifetime_has_passed(
    client_factory, fake: FakeWorkspace, clock: FakeClock
) -> None:
    # A route that calls only the database trusts the cached identity for its lifetime.
    client = await client_factory(identity_cache_ttl_seconds=10)
    assert (await client.get(PREFS, headers=auth(ALICE.token))).status_code == 200
    fake.identity.revoke_token(ALICE.token)

    clock.advance(9)
    still_cached = await client.get(PREFS, headers=auth(ALICE.token))
    clock.advance(1.5)
    expired = await client.get(PREFS, headers=auth(ALICE.token))

    assert still_cached.status_code == 200, still_cached.text
    assert_error(expired, 401, "AUTH_INVALID")
    assert len(fake.requests.for_route(Route.SCIM_ME)) == 2


async def test_revoked_token_is_refused_on_every_route_once_the_lifetime_passed(
    client_factory, fake: FakeWorkspace, clock: FakeClock
) -> None:
    client = await client_factory()  # the default lifetime
    lifetime = client.app.state.settings.identity_cache_ttl_seconds
    # Before: the token works (the preference exists for GET/DELETE by key).
    await client.post(
        "/api/lakebase/preferences", json={"key": "theme", "value": 1}, headers=auth(ALICE.token)
    )
    for method, path, body in AUTHENTICATED_CALLS:
        before = await client.request(method, path, json=body, headers=auth(ALICE.token))
        assert before.status_code < 400, f"{method} {path}: {before.text}"

    fake.identity.revoke_token(ALICE.token)
    clock.advance(lifetime)

    for method, path, body in AUTHENTICATED_CALLS:
        response = await client.request(method, path, json=body, headers=auth(ALICE.token))
        assert_error(response, 401, "AUTH_INVALID")
    assert fake.requests.for_route(Route.SQL_EXECUTE)  # the routes really ran before the revocation
