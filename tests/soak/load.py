"""One phase of load: `python -m tests.soak.load PLAN.json RECORDS.json`.

locust drives it, headless and as a library (`locust.env.Environment` and a local runner; no
web UI, no command line). Why locust: it is the maintained Python load tool, its users are
plain Python classes (so each can keep the truth of what it wrote next to what it sends), and
gevent lets fifty users share one process; `FastHttpUser` (geventhttpclient) costs little
enough per request that on two cores the load tool is not what limits the app.

A process of its own: locust monkey-patches the standard library for gevent when imported,
which the orchestrator (threads, psycopg, the fake workspace's uvicorn) must not share. The
per-request records (tests/soak/records.py) are the output; locust's own statistics are not
used, since the verdicts need every request anyway and one source keeps the figures agreeing.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import gevent
from locust.env import Environment

from tests.soak.scenario import (
    NETWORK_TIMEOUT_SECONDS,
    CeilingUser,
    Identities,
    PreferenceUser,
    Recorder,
    SoakUser,
)

SPAWN_SECONDS = 5.0  # every user running within this long of the phase's start


def run(plan: dict[str, Any]) -> list[Any]:
    Identities.load([(label, token) for label, token in plan["users"]])
    Recorder.phase = plan["phase"]
    SoakUser.seq_start = PreferenceUser.seq_start = plan["seq_start"]
    classes = {"ceiling": CeilingUser, "preferences": PreferenceUser}
    user_class = classes.get(plan["phase"], SoakUser)
    # stop_timeout: a user stopped mid-request finishes it, so no write is cut off unrecorded.
    env = Environment(
        user_classes=[user_class], host=plan["host"], stop_timeout=NETWORK_TIMEOUT_SECONDS + 10
    )
    runner = env.create_local_runner()
    gevent.sleep(max(0.0, plan["start_at"] - time.time()))  # the phase starts when planned
    count = len(plan["users"])
    runner.start(count, spawn_rate=max(1.0, count / SPAWN_SECONDS))
    gevent.spawn_later(plan["duration"], runner.quit)
    runner.greenlet.join()
    return list(Recorder.records)


def main(argv: list[str]) -> int:
    plan_path, out_path = Path(argv[0]), Path(argv[1])
    records = run(json.loads(plan_path.read_text()))
    out_path.write_text(json.dumps(records))
    print(f"{len(records)} requests recorded", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
