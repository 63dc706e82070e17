"""Wiring only: the plugins below provide every fixture; tests/README.md explains them.

Per session (and per xdist worker), built on first use:
  - `chosen_backend` / `backend`: SQLite in memory, PostgreSQL or Lakebase, chosen by `--db`
    (harness/selection.py), with `lakebase_target`, what Lakebase credentials are minted for;
  - `fake_server`: the fake Databricks workspace, a real HTTP server (harness/workspace.py);
  - `run_database`: a database of this run, migrated once (harness/database.py);
  - `lakebase_standin`, `lakebase_passwords`: with `--db lakebase` offline, a PostgreSQL cluster
    that, like Lakebase, takes only SSL and tokens minted for it, and `lakebase_branches`, a
    database there per branch the fake creates (harness/lakebase_fixtures.py);
  - `session_settings`, `app_pool`: app settings pointed at the fake, apps reused per settings.
Per test: `workspace` / `fake` (the fake from its seed, the Lakebase role's password put back
and the fake's own errors raised after the test), `settings_factory` (through `workspace`),
`database` (its tables emptied after the test), `clock` (a FakeClock), `client` /
`client_factory` (each client starts its app's lifespan afresh: new services, caches and HTTP
clients), `fresh_user`. No fixture is autouse: a test starts only the servers it asks for.
"""

from __future__ import annotations

import os

# Plugins that others import come first (pytest rewrites a plugin's asserts only if it is
# registered before anything imports it).
pytest_plugins = [
    "tests.harness.shapes",
    "tests.harness.workspace",
    "tests.harness.lakebase_fixtures",
    "tests.harness.selection",
    "tests.harness.settings",
    "tests.harness.database",
    "tests.harness.apps",
]
# tests/fuzz needs schemathesis and minutes: only `nox -s fuzz` (which sets RUN_FUZZ) runs it.
collect_ignore = [] if os.environ.get("RUN_FUZZ") else ["fuzz"]
# tests/fidelity judges the fake alone (its own server; the backend plays no part), so the
# sixteen suite cells would repeat it to no end: `nox -s fidelity` (which sets RUN_FIDELITY).
if not os.environ.get("RUN_FIDELITY"):
    collect_ignore.append("fidelity")
