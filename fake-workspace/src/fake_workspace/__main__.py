"""`python -m fake_workspace --port N`: the seeded fake workspace on its own, until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from fake_workspace.reference import APP_SP, USERS
from fake_workspace.server import FakeWorkspace


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fake_workspace", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    fake = FakeWorkspace().start(port=args.port)
    try:
        users = "\n".join(f"  {u.user_name:<20} token {u.token}" for u in USERS)
        print(
            f"fake Databricks workspace at {fake.base_url}\n"
            f"  SQL warehouse {fake.warehouse_id}\n{users}\n"
            f"  app service principal: client id {APP_SP.client_id}, "
            f"secret {APP_SP.client_secret}\n"
            "Ctrl-C stops it.",
            flush=True,
        )
        stop.wait()
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
