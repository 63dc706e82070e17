"""Wiring only: the plugins below provide every fixture; tests/README.md explains them.

Per session (and per xdist worker), built on first use:
  - `backend`: SQLite in memory, PostgreSQL or Lakebase, chosen by `--db` (harness/selection.py);
  - `fake`: the fake Databricks workspace, a real HTTP server (harness/workspace.py);
  - `database`: a database of this run, migrated once (harness/database.py);
  - `lakebase_standin`: with `--db lakebase` offline, a PostgreSQL cluster that, like Lakebase,
    takes only SSL and minted tokens (harness/lakebase_fixtures.py);
  - `settings_factory`, `app_pool`: app settings pointed at the fake, apps reused per settings.
Per test: `clock` (a FakeClock), `client` / `client_factory` (each client starts its app's
lifespan afresh: new services, caches and HTTP clients), `fresh_user`.
Reset around every test, whatever it did: the fake (seeded state, faults, request log) before
it; the database tables (emptied) and the Lakebase role's password after it.
"""

from __future__ import annotations

import os

pytest_plugins = [
    "tests.harness.selection",
    "tests.harness.workspace",
    "tests.harness.lakebase_fixtures",
    "tests.harness.settings",
    "tests.harness.database",
    "tests.harness.apps",
]
# tests/fuzz needs schemathesis and minutes: only `nox -s fuzz` (which sets RUN_FUZZ) runs it.
collect_ignore = [] if os.environ.get("RUN_FUZZ") else ["fuzz"]
