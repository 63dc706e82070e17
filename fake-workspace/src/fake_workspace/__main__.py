"""`python -m fake_workspace --port N`: the seeded fake workspace on its own, until Ctrl-C.

It logs every request it answers (method, path, status), each one it cannot route, and each
error inside it, on standard output; at exit it prints one summary line,
``fake workspace: <N> requests answered, <U> unrouted, <E> errors``.

With ``--postgres URL`` (an admin connection to a PostgreSQL server; the URL's database is the
app's Lakebase branch's database, ``projects/app-state/branches/production``): every endpoint
and instance reports that server's host; credentials minted for the app's endpoint or instance,
or for a branch's endpoint, become the role's password there; each branch created gets a copy of
that database (``CREATE DATABASE … TEMPLATE``), dropped with the branch. The database's CONNECT
is revoked from PUBLIC: roles open it only while their newest credential is for its branch (the
app's role needs CONNECT granted to it explicitly, as Databricks grants it to the app).

With ``--ready-file PATH``: once serving, PATH gets ``{"base_url", "warehouse_id",
"app_client_id", "app_client_secret", "users": {name: token}}`` for a driver to read.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from fake_workspace.reference import APP_SP, LAKEBASE, LAKEBASE_ENDPOINT, USERS, WAREHOUSE_ID
from fake_workspace.request_log import RecordedRequest
from fake_workspace.server import FakeWorkspace

PREFIX = "fake workspace:"


class RequestReport:
    """Logs each answered request and counts them for the exit summary."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._lock = threading.Lock()
        self.answered = 0
        self.unrouted = 0
        self.errors = 0

    def __call__(self, record: RecordedRequest) -> None:
        status = "dropped" if record.status is None else str(record.status)
        line = f"{PREFIX} {record.method} {record.path} {status}"
        with self._lock:
            self.answered += 1
            if record.route is None:
                self.unrouted += 1
                line = f"{PREFIX} unrouted {record.method} {record.path} {status}"
            if record.error is not None:
                self.errors += 1
                line = f"{line}\n{PREFIX} error in {record.method} {record.path}: {record.error}"
            print(line, file=self._out, flush=True)

    def summary(self) -> str:
        with self._lock:
            return (
                f"{PREFIX} {self.answered} requests answered, {self.unrouted} unrouted, "
                f"{self.errors} errors"
            )


def back_with_postgres(fake: FakeWorkspace, url: str) -> str:
    """Stand a PostgreSQL server in for Lakebase (see the module's docstring); its host."""
    from psycopg.conninfo import conninfo_to_dict  # the `postgres` extra

    from fake_workspace.postgres_backing import BranchBacking, PasswordKeeper, RolePasswords

    parts = conninfo_to_dict(url)
    host, database = str(parts.get("host") or "127.0.0.1"), parts.get("dbname")
    if not database:
        raise SystemExit("--postgres needs a database in its URL (the app branch's database)")
    fake.lakebase.serve_endpoints_at(host)
    backing = BranchBacking(url, fake.branches)
    fake.branches.on_branch(backing.on_branch)
    backing.back(LAKEBASE_ENDPOINT.branch_name, str(database))
    passwords = RolePasswords(url)
    for keeper in (
        PasswordKeeper(passwords, "autoscaling", LAKEBASE_ENDPOINT.name, backing),
        PasswordKeeper(passwords, "provisioned", LAKEBASE.name),
    ):
        fake.lakebase.on_credential(keeper.follow)
    return host


def ready_document(fake: FakeWorkspace) -> dict[str, object]:
    return {
        "base_url": fake.base_url,
        "warehouse_id": WAREHOUSE_ID,
        "app_client_id": APP_SP.client_id,
        "app_client_secret": APP_SP.client_secret,
        "users": {u.user_name: u.token for u in USERS},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fake_workspace",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="admin URL of a PostgreSQL server backing Lakebase; its database: the app branch's",
    )
    parser.add_argument(
        "--ready-file", metavar="PATH", type=Path, help="write the JSON a driver needs once serving"
    )
    args = parser.parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    report = RequestReport(sys.stdout)
    fake = FakeWorkspace()
    fake.on_answer(report)
    host = back_with_postgres(fake, args.postgres) if args.postgres else None
    fake.start(port=args.port)
    try:
        users = "\n".join(f"  {u.user_name:<20} token {u.token}" for u in USERS)
        backed = f"  Lakebase served by the PostgreSQL server at {host}\n" if host else ""
        print(
            f"fake Databricks workspace at {fake.base_url}\n"
            f"  SQL warehouse {WAREHOUSE_ID}\n{users}\n"
            f"  app service principal: client id {APP_SP.client_id}, "
            f"secret {APP_SP.client_secret}\n{backed}"
            "Ctrl-C stops it.",
            flush=True,
        )
        if args.ready_file is not None:
            partial = args.ready_file.with_name(args.ready_file.name + ".partial")
            partial.write_text(json.dumps(ready_document(fake)))
            partial.replace(args.ready_file)  # a reader never sees half a document
        stop.wait()
    finally:
        fake.stop()
        print(report.summary(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
