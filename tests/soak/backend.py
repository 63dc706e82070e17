"""The database the soaked app uses: a SQLite file, a fresh PostgreSQL database, or the offline
Lakebase stand-in (tests/harness) with credentials the fake workspace mints - and what the
monitor and the faults need to reach it. Everything made here is dropped at the end."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from fake_workspace import FakeWorkspace
from fake_workspace.postgres_backing import PasswordKeeper
from fake_workspace.reference import APP_SP
from suite_environment import DEFAULT_POSTGRES_URL, DatabaseName
from tests.harness.backends import (
    check_postgres,
    create_database,
    drop_database,
    ensure_login_role,
    unique_database_name,
)
from tests.harness.lakebase_standin import LakebaseStandIn
from tests.harness.lakebase_targets import APP_TARGETS
from tests.harness.settings import lakebase_values

POOL_SIZE = 5
# server/db/engine.py gives PostgreSQL engines max_overflow = pool_size: at most twice as many.
POOL_LIMIT = 2 * POOL_SIZE
# A credential the fake mints lives this long, and the app mints anew this long before its
# expiry: in a Lakebase run, credentials really expire every half minute, requests in flight.
CREDENTIAL_LIFETIME_SECONDS = 30
REFRESH_MARGIN_SECONDS = 10
HARNESS_APPLICATION = "soak-harness"  # our own connections, left out of the app's count


@dataclass(frozen=True)
class Backend:
    name: DatabaseName
    app_env: dict[str, str]
    server_url: str | None = None  # PostgreSQL server (admin) for the monitor and the faults
    database: str | None = None
    standin: LakebaseStandIn | None = None

    @property
    def pool_limit(self) -> int | None:
        return POOL_LIMIT if self.server_url else None

    @property
    def harness_url(self) -> str | None:
        """The admin URL, our connections named so the monitor leaves them out."""
        if self.server_url is None:
            return None
        url = make_url(self.server_url).update_query_dict({"application_name": HARNESS_APPLICATION})
        return url.render_as_string(hide_password=False)


@contextmanager
def prepared(name: DatabaseName, scratch: Path, fake: FakeWorkspace) -> Iterator[Backend]:
    common = {"DB_POOL_SIZE": str(POOL_SIZE)}
    if name == "sqlite":
        url = f"sqlite+aiosqlite:///{(scratch / 'app.db').resolve()}"
        yield Backend("sqlite", {**common, "DATABASE_URL": url})
    elif name == "postgres":
        server = os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
        check_postgres(server)
        database = unique_database_name("soak")
        url = create_database(server, database).render_as_string(hide_password=False)
        try:
            yield Backend("postgres", {**common, "DATABASE_URL": url}, server, database)
        finally:
            drop_database(server, database)
    else:
        with LakebaseStandIn() as standin:
            yield _lakebase(standin, fake, common)


def _lakebase(standin: LakebaseStandIn, fake: FakeWorkspace, common: dict[str, str]) -> Backend:
    """Storage as Databricks Apps configures a Lakebase Autoscaling resource: PG* variables and
    the endpoint; the password is what the service principal mints (the stand-in follows the
    fake's credentials for that endpoint, expiry included)."""
    database = unique_database_name("soak")
    url = create_database(standin.admin_url, database)
    ensure_login_role(standin.admin_url, APP_SP.application_id, database)
    target = APP_TARGETS["autoscaling"]
    # Never in a test: each credential it follows simply becomes the role's password.
    fake.lakebase.on_credential(
        PasswordKeeper(standin.passwords, target.flavour, target.name).follow
    )
    fake.lakebase.credential_lifetime_seconds = CREDENTIAL_LIFETIME_SECONDS
    settings = lakebase_values(url, target, pgsslmode="require")
    env = {
        **common,
        **{name.upper(): str(value) for name, value in settings.items()},
        "LAKEBASE_TOKEN_REFRESH_MARGIN_SECONDS": str(REFRESH_MARGIN_SECONDS),
    }
    return Backend("lakebase", env, standin.admin_url, database, standin)
