"""The test harness: what `tests/conftest.py` wires in, and the helpers tests import.

pytest plugins (fixtures and hooks): `selection` (`--db`, `--lakebase-flavour`, live mode,
marker skips, `backend`, `lakebase_target`), `workspace` (the fake: `fake_server`, and
`workspace` and `fake`, which reset it per test), `settings` (isolated app settings,
`settings_factory`, the Lakebase settings), `database` (the run's migrated database, emptied
after each test), `apps` (`clock`, `client`, `client_factory`, the app pool),
`lakebase_fixtures` (the stand-in, following the fake's credentials).
Libraries: `backends` (choosing and provisioning storage), `pg_faults` (real PostgreSQL
faults), `lakebase_standin` (the cluster), `clock` (FakeClock), `waiting` (`until`), `http`
(`auth`, `bearer`), `live` (the live workspace's variables), `lakebase_targets` (what
Lakebase credentials are minted for).

`auth` is re-exported here: nearly every test needs it.
"""

from tests.harness.http import auth

__all__ = ["auth"]
