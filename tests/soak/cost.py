"""`python -m tests.soak.cost OUT.json [--db sqlite --db postgres] [--requests 1000]`: the app's
CPU time per request, route by route, beside a bare FastAPI route served the same way in the
same run (`nox -s bench` writes the table into bench/results.md).

What is measured is the serving process itself: its user + system CPU time, read from
/proc/<pid>/stat before and after a bounded number of sequential keep-alive requests on
loopback, divided by their count. The client, the fake workspace (threads of this process) and
PostgreSQL spend their CPU elsewhere, so they do not count; a busy machine stretches wall time
far more than this. A benchmark, not a test: nothing here passes or fails on a number.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from fake_workspace import FakeWorkspace
from server.deps import TOKEN_HEADER
from suite_environment import DATABASES
from tests.soak.backend import prepared
from tests.soak.processes import Served, uvicorn_process
from tests.soak.records import PREFS
from tests.soak.workspace import app_env

LIST_SIZE = 50  # the list route reads a page of this many preferences
WARMUP_FRACTION = 10  # one request in ten more, unmeasured, before each route's run
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
BARE = "bare FastAPI `GET /ping`"
# The soak's fraud-detector input (tests/soak/scenario.py, which imports locust: not here).
INVOKE_INPUTS = {
    "dataframe_split": {"columns": ["amount", "merchant_score", "hour"], "data": [[42.5, 0.3, 14]]}
}


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str
    body: Any = None
    params: dict[str, Any] | None = None
    status: int = 200


@dataclass(frozen=True)
class Cost:
    db: str
    route: str
    requests: int
    cpu_ms: float  # per request, in the serving process
    wall_ms: float  # per request, as the client saw it (machine load included)
    app: str = "current"


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of every thread of `pid` so far (/proc/<pid>/stat, fields 14-15)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # the command name may hold spaces
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


def measure(
    served: Served,
    client: httpx.Client,
    route: Route,
    count: int,
    prepare: Callable[[int], Route] | None = None,
) -> tuple[float, float]:
    """CPU and wall milliseconds per request of `count` sequential requests on one connection;
    every answer must be the route's status, or the run stops (a number of errors is no cost)."""
    routes = [prepare(i) if prepare else route for i in range(count)]
    cpu_before, wall_before = process_cpu_seconds(served.pid), time.perf_counter()
    for each in routes:
        response = client.request(each.method, each.path, json=each.body, params=each.params)
        if response.status_code != each.status:
            raise SystemExit(
                f"{each.method} {each.path}: {response.status_code} {response.text[:300]}"
            )
    wall = time.perf_counter() - wall_before
    cpu = process_cpu_seconds(served.pid) - cpu_before
    return cpu * 1000 / count, wall * 1000 / count


def app_routes() -> list[Route]:
    uc, ms = "/api/unity-catalog", "/api/model-serving"
    return [
        Route("`GET /health`", "GET", "/health"),
        Route("`GET /api/user/auth/status` (cached identity)", "GET", "/api/user/auth/status"),
        Route("`GET /api/user/me` (SCIM Me)", "GET", "/api/user/me"),
        Route("`GET /api/lakebase/preferences/{key}`", "GET", f"{PREFS}/bench.000"),
        Route(
            "`POST /api/lakebase/preferences` (update)",
            "POST",
            PREFS,
            body={"key": "bench.000", "value": {"theme": "dark", "n": 1}},
        ),
        Route(
            f"`GET /api/lakebase/preferences` ({LIST_SIZE} items)",
            "GET",
            PREFS,
            params={"limit": LIST_SIZE},
        ),
        Route("`GET /api/unity-catalog/catalogs`", "GET", f"{uc}/catalogs"),
        Route(
            "`GET /api/unity-catalog/query` (20 rows)",
            "GET",
            f"{uc}/query",
            params={"catalog": "main", "schema": "sales", "table": "orders", "limit": 20},
        ),
        Route("`GET /api/model-serving/endpoints`", "GET", f"{ms}/endpoints"),
        Route(
            "`POST /api/model-serving/invoke`",
            "POST",
            f"{ms}/invoke",
            body={"endpoint_name": "fraud-detector", "inputs": INVOKE_INPUTS},
        ),
    ]


DELETE = "`DELETE /api/lakebase/preferences/{key}`"


def seed(client: httpx.Client, keys: Sequence[str]) -> None:
    for key in keys:
        response = client.post(PREFS, json={"key": key, "value": {"theme": "dark", "n": 1}})
        if response.status_code not in (200, 201):
            raise SystemExit(f"seeding {key}: {response.status_code} {response.text[:300]}")


@dataclass
class Target:
    """One served copy of the app, its client, and how many of its delete keys are used."""

    app: str  # "current", or "baseline" for the copy served from --baseline-source
    served: Served
    client: httpx.Client
    deleted: int = 0

    def deleting(self) -> Callable[[int], Route]:
        offset = self.deleted
        return lambda i: Route(DELETE, "DELETE", f"{PREFS}/delete.{offset + i:05d}", status=204)


def measure_apps(targets: Sequence[Target], db: str, count: int, rounds: int) -> list[Cost]:
    """Every route on every target, the targets taking turns in `rounds` slices of the count,
    so a change in the machine's load falls on all of them alike."""
    warmup = max(1, count // WARMUP_FRACTION)
    per_round = max(1, count // rounds)
    for target in targets:
        seed(target.client, [f"bench.{i:03d}" for i in range(LIST_SIZE)])
        # Deletes: each request removes a row of its own, written before the measurements.
        seed(target.client, [f"delete.{i:05d}" for i in range(warmup + per_round * rounds)])
    costs = []
    for route in [*app_routes(), Route(DELETE, "DELETE", "", status=204)]:
        sums = {target.app: [0.0, 0.0] for target in targets}
        for round_number in range(-1, rounds):  # round -1: the unmeasured warm-up
            for target in targets:
                size = warmup if round_number < 0 else per_round
                prepare = target.deleting() if route.name == DELETE else None
                cpu, wall = measure(target.served, target.client, route, size, prepare)
                if route.name == DELETE:
                    target.deleted += size
                if round_number >= 0:
                    sums[target.app][0] += cpu / rounds
                    sums[target.app][1] += wall / rounds
        for app, (cpu, wall) in sums.items():
            costs.append(Cost(db, route.name, per_round * rounds, cpu, wall, app))
            print(f"cost: {db} ({app}): {route.name}: {cpu:.2f} ms CPU a request", flush=True)
    return costs


def measure_bare(served: Served, count: int, label: str) -> Cost:
    with httpx.Client(base_url=served.url, timeout=60) as client:
        ping = Route(BARE, "GET", "/ping")
        measure(served, client, ping, max(1, count // WARMUP_FRACTION))
        cpu, wall = measure(served, client, ping, count)
    print(f"cost: {label}: {BARE}: {cpu:.2f} ms CPU a request", flush=True)
    return Cost(label, BARE, count, cpu, wall)


def run(
    databases: Sequence[str], count: int, baseline: Path | None = None, rounds: int = 1
) -> list[Cost]:
    """Per database: the bare route, then every app route, then the bare route again (the
    ratio's denominator is their mean, so a load that changed during the run shows as two
    different bare figures). With `baseline`, a second copy of the app is served from that
    source directory (another version's `server/`), on a database of its own, and the two take
    turns on every route."""
    scratch = Path(tempfile.mkdtemp(prefix="cost-"))
    costs: list[Cost] = []
    with ExitStack() as stack:
        fake = stack.enter_context(FakeWorkspace())
        token = fake.identity.add_user("bench@example.com").token
        bare = stack.enter_context(uvicorn_process("tests.soak.bare:app", {}, scratch / "bare.log"))
        copies = {"current": None, **({"baseline": baseline} if baseline else {})}
        for db in databases:
            costs.append(measure_bare(bare, count, db))
            with ExitStack() as apps:
                targets = []
                for app, source in copies.items():
                    own = scratch / f"{db}-{app}"  # a SQLite file of its own
                    own.mkdir()
                    backend = apps.enter_context(prepared(db, own, fake))  # type: ignore[arg-type]
                    env = {**app_env(fake), **backend.app_env}
                    log = scratch / f"app-{db}-{app}.log"
                    served = apps.enter_context(
                        uvicorn_process("server.app:app", env, log, cwd=source)
                    )
                    client = apps.enter_context(
                        httpx.Client(base_url=served.url, headers={TOKEN_HEADER: token}, timeout=60)
                    )
                    targets.append(Target(app, served, client))
                costs.extend(measure_apps(targets, db, count, rounds))
            costs.append(measure_bare(bare, count, db))
    return costs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.soak.cost", description=__doc__)
    parser.add_argument("out", type=Path, help="where the measurements go (JSON)")
    parser.add_argument("--db", action="append", choices=DATABASES, help="sqlite, postgres")
    parser.add_argument("--requests", type=int, default=1000, help="per route (1000)")
    parser.add_argument(
        "--baseline-source",
        type=Path,
        help="a directory holding another version's server/ (git archive REV server | tar -x "
        "-C DIR): served beside this one, the two taking turns on every route",
    )
    parser.add_argument("--rounds", type=int, default=1, help="turns per route (with a baseline)")
    args = parser.parse_args(argv)
    count = min(max(args.requests, 10), 20_000)  # bounded: a benchmark, not a load test
    rounds = min(max(args.rounds, 1), 20)
    costs = run(args.db or ["sqlite", "postgres"], count, args.baseline_source, rounds)
    args.out.write_text(json.dumps([asdict(c) for c in costs], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
