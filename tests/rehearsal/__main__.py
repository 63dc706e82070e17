"""`python -m tests.rehearsal live [--flavour F]` rehearses the release job's live Lakebase
cell offline (`live_cell.py`); `python -m tests.rehearsal migrations` rehearses a deployment's
migrations on a branch of production (`migrations.py`, live variables)."""

from __future__ import annotations

import argparse
import sys

from tests.rehearsal import live_cell, migrations


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.rehearsal", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    live = commands.add_parser("live", help="the release job's live cell, offline")
    live.add_argument(
        "--flavour",
        choices=[*live_cell.RELEASE_CELLS, "both"],
        default="both",
        help="which Lakebase cell (default: both)",
    )
    commands.add_parser("migrations", help="alembic upgrade head on a branch of production")
    args = parser.parse_args()
    if args.command == "migrations":
        return migrations.main()
    flavours = list(live_cell.RELEASE_CELLS) if args.flavour == "both" else [args.flavour]
    return live_cell.main(flavours)


sys.exit(main())
