"""`python -m tests.soak [--db=postgres] [--users=50] [--duration=60] [--no-faults] [--seed=N]`:
the phases in order, then the verdicts and the report; exit 1 when a verdict fails.

1. ceiling: the bare app (tests/soak/bare.py) under the load, alone on the machine's cores;
2. warm-up: the app under the same load, then its resident memory is read;
3. baseline: the app under load, no faults;
   preferences: the same users on the preference routes alone (database only), no faults;
4. faults (unless --no-faults): the same load while the seeded schedule (faults.py) runs;
5. final reads: each user's preferences, once the faults are over, for the write verdict.

The fake workspace runs in this process (threads); the app, the bare app and each phase's
load run in processes of their own (tests/soak/processes.py, tests/soak/load.py).
"""

from __future__ import annotations

import argparse
import json
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

import httpx

from fake_workspace import FakeWorkspace
from server.deps import TOKEN_HEADER
from server.errors import STATUS_BY_CODE
from suite_environment import DATABASES
from tests.soak import report, verdicts
from tests.soak.backend import prepared
from tests.soak.faults import FaultRunner, schedule
from tests.soak.figures import phase_figures
from tests.soak.monitor import ConnectionMonitor
from tests.soak.processes import Served, uvicorn_process
from tests.soak.records import BODY_LIMIT, PREFS, Record, kept_headers, list_seen
from tests.soak.workspace import app_env, soak_users

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "coverage" / "soak.md"
START_DELAY_SECONDS = 8.0  # the load process imports locust before the phase's start time
FINAL_READ_ATTEMPTS = 20
PHASE_SEQ = {
    "warmup": 1_000_000,
    "baseline": 2_000_000,
    "preferences": 3_000_000,
    "faults": 4_000_000,
}


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="nox -s soak --", description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=DATABASES, default="postgres")
    parser.add_argument("--users", type=int, default=50, help="virtual users (default 50)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds a phase (60)")
    parser.add_argument("--warmup", type=float, default=10.0, help="warm-up seconds (10)")
    parser.add_argument(
        "--faults", action=argparse.BooleanOptionalAction, default=True, help="faults phase"
    )
    parser.add_argument("--seed", type=int, default=None, help="the fault times (default: new)")
    parser.add_argument("--report", type=Path, default=REPORT, help="where soak.md goes")
    args = parser.parse_args(argv)
    if args.seed is None:
        args.seed = secrets.randbelow(10**6)
    return args


def load_phase(
    served: Served, users: list[tuple[str, str]], phase: str, duration: float, scratch: Path
) -> tuple[list[Record], float]:
    """Run one phase's load in its own process; its records and when it started."""
    start_at = time.time() + START_DELAY_SECONDS
    plan = {
        "host": served.url,
        "users": users,
        "phase": phase,
        "duration": duration,
        "seq_start": PHASE_SEQ.get(phase, 0),
        "start_at": start_at,
    }
    plan_path, out_path = scratch / f"{phase}.plan.json", scratch / f"{phase}.records.json"
    plan_path.write_text(json.dumps(plan))
    print(f"soak: {phase}: {len(users)} users for {duration:g} s against {served.url}", flush=True)
    subprocess.run(
        [sys.executable, "-m", "tests.soak.load", str(plan_path), str(out_path)],
        check=True,
        cwd=ROOT,
    )
    records: list[Record] = json.loads(out_path.read_text())
    return records, start_at


def final_reads(served: Served, users: list[tuple[str, str]]) -> list[Record]:
    """Each user's preferences once everything is over (503s waited out, as Retry-After asks)."""
    records: list[Record] = []
    with httpx.Client(base_url=served.url, timeout=120) as client:
        for label, token in users:
            for _ in range(FINAL_READ_ATTEMPTS):
                started = time.time()
                response = client.get(PREFS, params={"limit": 100}, headers={TOKEN_HEADER: token})
                if response.status_code != 503:
                    break
                time.sleep(min(5, int(response.headers.get("retry-after", "1"))))
            status = response.status_code
            record: Record = {
                "user": label,
                "seq": 10**9,
                "phase": "final",
                "route": f"GET {PREFS}",
                "t": started,
                "ms": (time.time() - started) * 1000,
                "status": status,
                "headers": kept_headers(response.headers),
                "body": response.text[:BODY_LIMIT] if status >= 400 else None,
                "pref": list_seen(status, response.json() if status == 200 else None),
            }
            records.append(record)
    return records


def run(args: argparse.Namespace) -> int:
    scratch = Path(tempfile.mkdtemp(prefix="soak-"))
    print(f"soak: seed {args.seed}; logs and records in {scratch}", flush=True)
    with ExitStack() as stack:
        fake = stack.enter_context(FakeWorkspace())
        users = soak_users(fake, args.users)
        with uvicorn_process("tests.soak.bare:app", {}, scratch / "bare.log") as bare:
            ceiling_records, _ = load_phase(bare, users, "ceiling", args.duration, scratch)
        backend = stack.enter_context(prepared(args.db, scratch, fake))
        env = {**app_env(fake), **backend.app_env}
        app = stack.enter_context(uvicorn_process("server.app:app", env, scratch / "app.log"))
        origin = time.time()
        monitor = None
        if backend.harness_url and backend.database:
            monitor = stack.enter_context(
                ConnectionMonitor(backend.harness_url, backend.database, origin)
            )
        records: dict[str, list[Record]] = {}
        origins: dict[str, float] = {}
        records["warmup"], _ = load_phase(app, users, "warmup", args.warmup, scratch)
        rss_warm = app.rss()
        records["baseline"], origins["baseline"] = load_phase(
            app, users, "baseline", args.duration, scratch
        )
        records["preferences"], origins["preferences"] = load_phase(
            app, users, "preferences", args.duration, scratch
        )
        runner = FaultRunner(fake, backend, schedule(args.seed, args.duration, args.db))
        if args.faults:
            runner.start(origin=time.time() + START_DELAY_SECONDS)
            try:
                records["faults"], origins["faults"] = load_phase(
                    app, users, "faults", args.duration, scratch
                )
            finally:
                runner.stop()
        records["final"] = final_reads(app, users)
        rss_after = app.rss()
        samples = list(monitor.samples) if monitor else []
    app_records = [r for phase in records.values() for r in phase]
    found = [
        verdicts.no_500_and_envelope(app_records),
        verdicts.meant_5xx(app_records, {str(c): s for c, s in STATUS_BY_CODE.items()}),
        verdicts.writes_kept(app_records),
        verdicts.isolation(app_records),
        verdicts.memory(rss_warm, rss_after),
        verdicts.connections(samples, backend.pool_limit),
    ]
    if runner.errors:
        found.append(verdicts.Verdict("every scheduled fault applied", "", list(runner.errors)))
    phases = ["baseline", "preferences", *(["faults"] if args.faults else [])]
    summary = report.Run(
        db=args.db,
        users=args.users,
        duration=args.duration,
        seed=args.seed,
        faults_on=args.faults,
        machine=f"{platform.platform()}, Python {platform.python_version()}",
        ceiling=phase_figures("ceiling", ceiling_records, args.duration),
        phases=[phase_figures(p, records[p], args.duration) for p in phases],
        records=records,
        origins=origins,
        applied=runner.applied,
        verdicts=found,
    )
    args.report.parent.mkdir(parents=True, exist_ok=True)
    plot_path = args.report.with_suffix(".png")
    report.plot(summary, plot_path)
    args.report.write_text(report.markdown(summary, plot_path.name))
    for line in report.headline(summary):
        print(f"soak: {line}")
    for verdict in found:
        print(f"soak: {verdict.summary()}")
    print(f"soak: report {args.report}, plot {plot_path}", flush=True)
    return 0 if all(v.passed for v in found) else 1


def main(argv: Sequence[str] | None = None) -> int:
    return run(parse(sys.argv[1:] if argv is None else argv))
