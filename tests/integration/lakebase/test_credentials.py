"""The service principal's Lakebase credential, minted by the real SDK from the fake workspace
over HTTP, and when the app's provider trusts it and when it mints anew: from the expiry the
workspace answered, or, when the answer leaves it out, from the documented hour.

No database is involved, so these run in every cell (SQLite too): a wrong expiry here would
otherwise show only on the Lakebase cells, and only once a credential ran out.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from fake_workspace import FakeWorkspace
from fake_workspace.reference import APP_SP
from server.config import Settings
from server.db.lakebase import LakebaseCredentialProvider, service_principal_minter
from tests.harness.backends import LakebaseFlavour
from tests.harness.clock import FakeClock
from tests.harness.lakebase_targets import APP_TARGETS

pytestmark = pytest.mark.fake_only

FLAVOURS: list[LakebaseFlavour] = ["autoscaling", "provisioned"]
# A lifetime other than the documented hour, so an expiry read wrongly (or replaced by the
# default) changes when the provider mints.
LIFETIME = timedelta(minutes=20)
MARGIN = timedelta(minutes=5)
DOCUMENTED_LIFETIME = timedelta(hours=1)
NEEDS_PRINCIPAL = "Lakebase needs DATABRICKS_HOST and DATABRICKS_CLIENT_ID/SECRET"


@pytest.fixture
def start() -> FakeClock:
    """The app's and the fake's clock, on a whole second: the workspace answers whole seconds."""
    return FakeClock(start=datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC))


@pytest.fixture
def sp_settings(
    settings_factory: Callable[..., Settings], fake: FakeWorkspace, start: FakeClock
) -> Callable[[LakebaseFlavour], Settings]:
    fake.lakebase.now = start.now
    fake.lakebase.credential_lifetime_seconds = int(LIFETIME.total_seconds())

    def make(flavour: LakebaseFlavour) -> Settings:
        return settings_factory(**APP_TARGETS[flavour].setting())

    return make


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_credential_expires_when_the_workspace_says(
    sp_settings: Callable[[LakebaseFlavour], Settings],
    fake: FakeWorkspace,
    start: FakeClock,
    flavour: LakebaseFlavour,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mint = service_principal_minter(sp_settings(flavour), start)

    with caplog.at_level(logging.INFO, logger="server.db.lakebase"):
        credential = mint()

    [minted] = fake.lakebase.minted
    assert credential.token == minted.token
    assert credential.expires_at == start.now() + LIFETIME == minted.expires_at
    assert credential.expires_at.utcoffset() == timedelta(0)
    assert (minted.user_name, minted.flavour) == (APP_SP.application_id, flavour)
    assert minted.targets == (APP_TARGETS[flavour].name,)
    [line] = [r for r in caplog.records if r.getMessage() == "minted a Lakebase credential"]
    assert (line.lakebase, line.target) == (flavour, APP_TARGETS[flavour].name)  # type: ignore[attr-defined]
    assert line.expires_at == (start.now() + LIFETIME).isoformat()  # type: ignore[attr-defined]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_credential_answered_without_expiry_lives_the_documented_hour(
    sp_settings: Callable[[LakebaseFlavour], Settings],
    fake: FakeWorkspace,
    start: FakeClock,
    flavour: LakebaseFlavour,
) -> None:
    fake.lakebase.answer_without_expiry = True
    mint = service_principal_minter(sp_settings(flavour), start)

    credential = mint()

    assert credential.token == fake.lakebase.minted[0].token
    assert credential.expires_at == start.now() + DOCUMENTED_LIFETIME


def test_each_provisioned_credential_is_asked_for_with_a_request_id_of_its_own(
    sp_settings: Callable[[LakebaseFlavour], Settings], fake: FakeWorkspace, start: FakeClock
) -> None:
    mint = service_principal_minter(sp_settings("provisioned"), start)

    mint()
    mint()

    ids = [credential.request_id for credential in fake.lakebase.minted]
    assert len(ids) == 2
    assert ids[0] != ids[1]
    assert all(request_id is not None and uuid.UUID(request_id) for request_id in ids)


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("expiry_answered", [True, False], ids=["answered", "left-out"])
def test_the_provider_mints_anew_exactly_when_the_margin_begins(
    sp_settings: Callable[[LakebaseFlavour], Settings],
    fake: FakeWorkspace,
    start: FakeClock,
    flavour: LakebaseFlavour,
    expiry_answered: bool,
) -> None:
    fake.lakebase.answer_without_expiry = not expiry_answered
    lifetime = LIFETIME if expiry_answered else DOCUMENTED_LIFETIME
    provider = LakebaseCredentialProvider(
        service_principal_minter(sp_settings(flavour), start), refresh_margin=MARGIN, clock=start
    )
    assert provider.needs_refresh()  # nothing minted yet

    first = provider.token()
    start.advance((lifetime - MARGIN).total_seconds() - 1)
    assert not provider.needs_refresh()
    assert provider.token() == first
    assert fake.lakebase.tokens_minted == 1

    start.advance(1)  # the margin begins
    assert provider.needs_refresh()
    second = provider.token()

    assert second != first
    assert [c.token for c in fake.lakebase.minted] == [first, second]
    assert not provider.needs_refresh()


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ({"databricks_host": None}, NEEDS_PRINCIPAL),
        ({"databricks_client_id": None}, NEEDS_PRINCIPAL),
        (
            {"lakebase_endpoint": None, "lakebase_instance_name": None},
            "Lakebase needs LAKEBASE_ENDPOINT or LAKEBASE_INSTANCE_NAME",
        ),
    ],
    ids=["no-host", "no-client-id", "no-target"],
)
def test_a_minter_without_what_it_needs_is_refused_before_any_call(
    settings_factory: Callable[..., Settings],
    fake: FakeWorkspace,
    start: FakeClock,
    missing: dict[str, None],
    message: str,
) -> None:
    settings = settings_factory(**{**APP_TARGETS["autoscaling"].setting(), **missing})

    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        service_principal_minter(settings, start)

    assert fake.lakebase.minted == []
