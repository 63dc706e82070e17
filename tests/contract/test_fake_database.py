"""Lakebase: instance metadata and short-lived credentials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from databricks.sdk.errors import InvalidParameterValue, ResourceDoesNotExist, Unauthenticated
from databricks.sdk.service.database import DatabaseInstanceState

from tests.fakes import FakeWorkspace, Route
from tests.fakes.reference import ALICE, LAKEBASE
from tests.harness.http import SdkFactory

pytestmark = pytest.mark.fake_only


def test_instance_parses_with_its_state(sdk: SdkFactory) -> None:
    instance = sdk(ALICE).database.get_database_instance(LAKEBASE.name)

    assert instance.state is DatabaseInstanceState.AVAILABLE
    assert instance.read_write_dns == LAKEBASE.read_write_dns
    assert instance.uid == LAKEBASE.uid
    assert instance.pg_version


def test_instance_state_is_controllable(sdk: SdkFactory, fake: FakeWorkspace) -> None:
    fake.database.set_instance_state(LAKEBASE.name, "STOPPED")

    instance = sdk(ALICE).database.get_database_instance(LAKEBASE.name)

    assert instance.state is DatabaseInstanceState.STOPPED
    assert instance.stopped is True


def test_missing_instance_is_resource_does_not_exist(sdk: SdkFactory) -> None:
    with pytest.raises(ResourceDoesNotExist):
        sdk(ALICE).database.get_database_instance("nope")


def test_credentials_are_minted_and_counted(sdk: SdkFactory, fake: FakeWorkspace) -> None:
    fake.database.credential_lifetime_seconds = 120
    w = sdk(ALICE)

    first = w.database.generate_database_credential(instance_names=[LAKEBASE.name])
    second = w.database.generate_database_credential(instance_names=[LAKEBASE.name])

    assert first.token
    assert second.token
    assert first.token != second.token
    expires = datetime.fromisoformat((first.expiration_time or "").replace("Z", "+00:00"))
    assert timedelta(seconds=100) < expires - datetime.now(UTC) <= timedelta(seconds=121)
    assert fake.database.tokens_minted == 2
    assert [c.user_name for c in fake.database.minted] == [ALICE.user_name] * 2
    assert fake.database.is_valid(first.token, ALICE.user_name)
    sent = fake.requests_for(Route.DATABASE_CREDENTIAL)[0].json
    assert sent["instance_names"] == [LAKEBASE.name]
    assert sent["request_id"]


def test_credentials_need_an_existing_instance(sdk: SdkFactory) -> None:
    w = sdk(ALICE)
    with pytest.raises(ResourceDoesNotExist):
        w.database.generate_database_credential(instance_names=["nope"])
    with pytest.raises(InvalidParameterValue):
        w.database.generate_database_credential(instance_names=[])


def test_credentials_need_authentication(sdk: SdkFactory) -> None:
    with pytest.raises(Unauthenticated):
        sdk("dapi-wrong").database.generate_database_credential(instance_names=[LAKEBASE.name])
