"""`nox -s dev`: the app, running, with no workspace.

One process serves three things on loopback: the fake Databricks workspace (seeded users,
catalogs, tables, models, Lakebase credentials), the app on uvicorn against it with a SQLite
file database (migrated at start-up), and in front of the app a stand-in for the Databricks
Apps proxy that signs every request in as the user chosen with `--user`. Ctrl-C (or SIGTERM)
stops all three; nothing is left running.

    python -m tools.devserver [--user alice|bob|carol] [--port 8000] [--database .dev/app.db]
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from fake_workspace import FakeWorkspace
from fake_workspace.reference import ALICE, APP_SP, BOB, CAROL, WAREHOUSE_ID, WORKSPACE_ID, UserDef
from fake_workspace.uvicorn_thread import ServerThread, serve_in_thread
from server.app import create_app
from server.config import Settings
from tools.apps_proxy import SignedInUser, apps_proxy

USERS: dict[str, tuple[UserDef, str]] = {
    "alice": (ALICE, "reads main and samples, not restricted nor the margins tables"),
    "bob": (BOB, "like alice, plus SELECT on main.sales.margins_*"),
    "carol": (CAROL, "workspace and metastore admin: sees everything"),
}
DEFAULT_DATABASE = Path(".dev") / "app.db"
TRY = ("/api/user/me", "/api/unity-catalog/query?catalog=main&schema=sales&table=orders&limit=5")

# How often the main thread checks that no server stopped on its own, between Ctrl-Cs.
_WATCH_SECONDS = 0.2


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="nox -s dev --", description=__doc__.split("\n")[0])
    parser.add_argument("--user", choices=sorted(USERS), default="alice", help="who is signed in")
    parser.add_argument("--port", type=int, default=8000, help="the proxy's port (0: any free)")
    parser.add_argument("--app-port", type=int, default=0, help="the app's own port")
    parser.add_argument("--fake-port", type=int, default=0, help="the fake workspace's port")
    parser.add_argument("--database", type=Path, default=DEFAULT_DATABASE, help="SQLite file")
    return parser.parse_args(argv)


def app_settings(fake: FakeWorkspace, database: Path) -> Settings:
    return Settings(
        databricks_host=fake.base_url,
        databricks_warehouse_id=WAREHOUSE_ID,
        databricks_client_id=APP_SP.client_id,
        databricks_client_secret=APP_SP.client_secret,
        database_url=f"sqlite+aiosqlite:///{database.resolve()}",
    )


def signed_in(user: UserDef) -> SignedInUser:
    # The real proxy forwards the user's id at the workspace as X-Forwarded-User.
    return SignedInUser(user.token, user.user_name, f"{user.scim_id}@{WORKSPACE_ID}")


def banner(user: str, proxy: str, app: str, fake: FakeWorkspace, database: Path) -> str:
    users = "\n".join(
        f"  {'*' if name == user else ' '} {name:<6} {d.user_name:<20} {about}"
        for name, (d, about) in USERS.items()
    )
    tries = "\n".join(f"           {proxy}{path}" for path in TRY)
    return f"""
The app, locally, against a fake Databricks workspace (no workspace needed)

  open     {proxy}/docs   signed in as {USERS[user][0].user_name}
  proxy    {proxy}   adds X-Forwarded-Access-Token, -User, -Email as Databricks Apps does
  app      {app}   the app itself (no identity headers: /api/ answers 401)
  fake     {fake.base_url}   fake workspace, SQL warehouse {WAREHOUSE_ID}
  database {database} (SQLite, migrated)
  try
{tries}

Users (switch: restart with `nox -s dev -- --user bob`):
{users}

Ctrl-C stops everything.
"""


def serve(args: argparse.Namespace) -> None:
    """The fake, the app and the proxy, each on the fake's own server thread, until a signal."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    args.database.parent.mkdir(parents=True, exist_ok=True)
    fake = FakeWorkspace().start(port=args.fake_port)
    servers: list[ServerThread] = []
    try:
        app = create_app(app_settings(fake, args.database))
        app_server = serve_in_thread(app, name="the app", port=args.app_port, lifespan="on")
        servers.append(app_server)
        proxy = apps_proxy(app_server.base_url, signed_in(USERS[args.user][0]))
        proxy_server = proxy.serve("the Apps proxy", port=args.port)
        servers.append(proxy_server)
        urls = (proxy_server.base_url, app_server.base_url)
        print(banner(args.user, *urls, fake, args.database), flush=True)
        # Until Ctrl-C, or until a server stops on its own (its error is in the log above).
        while not stop.wait(_WATCH_SECONDS):
            if not all(server.thread.is_alive() for server in servers):
                raise RuntimeError("a server stopped on its own (see the log above)")
    finally:
        for server in reversed(servers):
            server.stop()
        fake.stop()
        print("stopped: proxy, app and fake workspace", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    serve(parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
