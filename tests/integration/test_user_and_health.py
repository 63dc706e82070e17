"""The caller's identity (SCIM Me, as the caller) and the liveness/readiness probes."""

from __future__ import annotations

import logging

import httpx
import pytest

from fake_workspace.reference.identities import ALICE, BOB
from fake_workspace.routes import Route
from fake_workspace.server import FakeWorkspace
from tests.harness import auth
from tests.harness.clock import FakeClock
from tests.integration.api import PREFS
from tests.integration.expectations import assert_error

pytestmark = pytest.mark.fake_only


async def test_identity_is_looked_up_once_per_token_while_cached(
    client, fake: FakeWorkspace, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        alices = [await client.get(PREFS, headers=auth(ALICE.token)) for _ in range(3)]
        bobs = await client.get(PREFS, headers=auth(BOB.token))

    assert [r.status_code for r in [*alices, bobs]] == [200] * 4
    # One SCIM lookup per token: the cache serves alice's later requests, never bob's.
    assert [r.bearer_token for r in fake.requests_for(Route.SCIM_ME)] == [ALICE.token, BOB.token]
    # And the token itself never reaches a log line.
    assert not [r for r in caplog.records if ALICE.token in r.getMessage()]


async def test_identity_cache_can_be_turned_off(client_factory, fake: FakeWorkspace) -> None:
    client = await client_factory(identity_cache_ttl_seconds=0)

    responses = [await client.get(PREFS, headers=auth(ALICE.token)) for _ in range(3)]

    assert [r.status_code for r in responses] == [200] * 3
    assert [r.bearer_token for r in fake.requests_for(Route.SCIM_ME)] == [ALICE.token] * 3


async def test_revoked_token_is_refused_at_once_without_the_identity_cache(
    client_factory, fake: FakeWorkspace
) -> None:
    client = await client_factory(identity_cache_ttl_seconds=0)
    assert (await client.get(PREFS, headers=auth(ALICE.token))).status_code == 200

    fake.revoke_token(ALICE.token)

    assert_error(await client.get(PREFS, headers=auth(ALICE.token)), 401, "AUTH_INVALID")


async def test_revoked_token_is_refused_once_the_identity_cache_lifetime_has_passed(
    client_factory, fake: FakeWorkspace, clock: FakeClock
) -> None:
    # A route that calls only the database trusts the cached identity for its lifetime.
    client = await client_factory(identity_cache_ttl_seconds=10)
    assert (await client.get(PREFS, headers=auth(ALICE.token))).status_code == 200
    fake.revoke_token(ALICE.token)

    clock.advance(9)
    still_cached = await client.get(PREFS, headers=auth(ALICE.token))
    clock.advance(1.5)
    expired = await client.get(PREFS, headers=auth(ALICE.token))

    assert still_cached.status_code == 200, still_cached.text
    assert_error(expired, 401, "AUTH_INVALID")
    assert len(fake.requests_for(Route.SCIM_ME)) == 2


async def test_principal_without_a_user_name_is_refused(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    # Rows are keyed by user name: an empty one would be shared by every such principal.
    token = fake.add_user("", display_name="No Name")

    response = await client.get(PREFS, headers=auth(token))

    assert_error(response, 401, "AUTH_INVALID")
