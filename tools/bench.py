"""`nox -s bench`: how long the suite and the matrix take, measured with GNU time, and what
each route of the app costs in CPU beside a bare FastAPI route (tests/soak/cost.py), written
to bench/results.md with the command, machine and date of every row.

Why GNU time: nox's session.run reports no resource use, and `time -f` gives wall and CPU time
and the peak RSS of a command with all its children (pytest's workers) as one line of numbers.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import nox

from tools.suite import ROOT, backend_env, pytest_command

RESULTS = ROOT / "bench" / "results.md"
# Wall seconds, user and system CPU seconds (of the command and the children it waited for),
# and the largest resident set among them, in KiB.
TIME_FORMAT = "%e %U %S %M"
# The rows that `write` compares with each other.
SERIAL_BARE = "SQLite suite, serial, bare pytest"
AUTO_BARE = "SQLite suite, `-n auto`, bare pytest"
AUTO_COVERAGE = "SQLite suite, `-n auto`, branch coverage (a cell's command)"
SERIAL_COVERAGE = "SQLite suite, serial, branch coverage (a cell beside another suite)"
# Where the per-route sections start: the suite's table above is rewritten, these are kept.
ROUTES_HEADING = "## CPU per request, route by route"
ROUTE_DATABASES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
BARE_ROUTE = "bare FastAPI `GET /ping`"  # tests/soak/cost.py's name for it


@dataclass(frozen=True)
class Measurement:
    wall_seconds: float
    cpu_seconds: float  # user + system, of the command and its children
    peak_rss_mib: float


@dataclass(frozen=True)
class Row:
    name: str
    command: str
    runs: list[Measurement]

    @property
    def wall(self) -> float:
        return statistics.median(m.wall_seconds for m in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(m.cpu_seconds for m in self.runs)

    @property
    def rss(self) -> float:
        return max(m.peak_rss_mib for m in self.runs)


@dataclass(frozen=True)
class Options:
    runs: int
    matrix: bool
    suite: bool  # the suite's timings
    routes: bool  # the per-route CPU table
    requests: int
    label: str
    baseline: str | None  # a git revision served beside the working tree's app
    rounds: int


def parse(posargs: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(prog="nox -s bench --")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "3")))
    parser.add_argument(
        "--matrix", action="store_true", help="also time plain `nox` (warm), minutes"
    )
    parser.add_argument(
        "--only", choices=("suite", "routes"), help="only the suite timings or the route costs"
    )
    parser.add_argument("--requests", type=int, default=1000, help="per route (1000)")
    parser.add_argument("--label", default="", help="a word for the route table, e.g. before")
    parser.add_argument(
        "--baseline", help="a git revision whose app takes turns with this one on every route"
    )
    parser.add_argument("--rounds", type=int, default=4, help="turns per route (--baseline)")
    options = parser.parse_args(list(posargs))
    return Options(
        max(options.runs, 1),
        options.matrix,
        suite=options.only != "routes",
        routes=options.only != "suite",
        requests=options.requests,
        label=options.label,
        baseline=options.baseline,
        rounds=options.rounds,
    )


def gnu_time(session: nox.Session) -> str:
    found = shutil.which("time", path="/usr/bin:/bin")
    if found is None:
        session.error("GNU time (/usr/bin/time) is needed: apt-get install time")
    return found


def measure(
    session: nox.Session, command: list[str], scratch: Path, env: dict[str, str]
) -> Measurement:
    """Run `command` once under GNU time; a failing command stops the session."""
    report = scratch / "time.txt"
    time = gnu_time(session)
    session.run(time, "-f", TIME_FORMAT, "-o", str(report), *command, external=True, env=env)
    wall, user, system, rss_kib = report.read_text().split()
    return Measurement(float(wall), float(user) + float(system), int(rss_kib) / 1024)


def median_test_seconds(junit_xml: Path) -> float:
    """The median call time of one test, from pytest's JUnit XML report."""
    root = ET.parse(junit_xml).getroot()  # noqa: S314  (written by our own pytest run)
    times = [float(case.get("time", "0")) for case in root.iter("testcase")]
    return statistics.median(times) if times else 0.0


def suite_rows(session: nox.Session, options: Options, scratch: Path) -> tuple[list[Row], float]:
    """Start-up, serial, `-n auto`, and a coverage cell against bare pytest, on SQLite."""
    env = backend_env("sqlite")
    fixed = ("-q", "-p", "no:randomly")
    junit = scratch / "serial.xml"
    commands = {
        "pytest start-up (collect only)": pytest_command("sqlite", "--collect-only", *fixed),
        SERIAL_BARE: pytest_command("sqlite", *fixed, f"--junitxml={junit}"),
        AUTO_BARE: pytest_command("sqlite", *fixed, workers="auto"),
        AUTO_COVERAGE: pytest_command("sqlite", *fixed, "--cov", "--cov-report=", workers="auto"),
        SERIAL_COVERAGE: pytest_command("sqlite", *fixed, "--cov", "--cov-report="),
    }
    coverage_env = {**env, "COVERAGE_FILE": str(scratch / ".coverage")}
    rows = []
    for name, command in commands.items():
        run_env = coverage_env if "--cov" in command else env
        runs = [measure(session, command, scratch, run_env) for _ in range(options.runs)]
        rows.append(Row(name, " ".join(command), runs))
    return rows, median_test_seconds(junit)


def matrix_row(session: nox.Session, scratch: Path) -> Row:
    """Plain `nox`, warm (its environments exist), once: what everyone runs before pushing."""
    command = [sys.executable, "-m", "nox", "--no-color"]
    # The nested nox decides its cells' parallelism itself, as a plain `nox` run does.
    return Row("plain `nox`, warm", "nox", [measure(session, command, scratch, {})])


def write(rows: list[Row], median_test: float, load: tuple[float, float], python: str) -> None:
    by_name = {row.name: row for row in rows}
    bare = by_name[AUTO_BARE]
    cell = by_name[AUTO_COVERAGE]
    serial_bare = by_name[SERIAL_BARE]
    serial_cell = by_name[SERIAL_COVERAGE]
    lines = [
        "# Benchmarks",
        "",
        "Made by `nox -s bench` (`-- --runs N`, `-- --matrix` adds plain `nox`), each command "
        f"under `/usr/bin/time -f '{TIME_FORMAT}'`: wall time and CPU time (user + system, "
        "children included) are medians over the runs, peak RSS the largest single process.",
        "",
        f"- date: {datetime.date.today().isoformat()}",
        f"- machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {python}",
        f"- load average (1 min) before and after: {load[0]:.2f}, {load[1]:.2f} "
        f"({load_note(max(load))})",
        "",
        "| what | wall (s) | CPU (s) | peak RSS (MiB) | runs | command |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
        *(
            f"| {r.name} | {r.wall:.1f} | {r.cpu:.1f} | {r.rss:.0f} | {len(r.runs)} "
            f"| `{r.command}` |"
            for r in rows
        ),
        "",
        f"- median time of one test (serial run, JUnit report): {median_test * 1000:.1f} ms",
        f"- a coverage cell against bare pytest (`-n auto`): {cell.wall / bare.wall:.2f}x wall, "
        f"{cell.cpu / bare.cpu:.2f}x CPU; serially: {serial_cell.wall / serial_bare.wall:.2f}x "
        f"wall, {serial_cell.cpu / serial_bare.cpu:.2f}x CPU",
        f"- a coverage cell serially against `-n auto`: {serial_cell.cpu / cell.cpu:.2f}x CPU",
        "",
    ]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(lines) + kept_route_sections())


def kept_route_sections() -> str:
    """The per-route sections already in the results, which a suite run leaves as they are."""
    text = RESULTS.read_text() if RESULTS.exists() else ""
    at = text.find(ROUTES_HEADING)
    return "\n" + text[at:] if at >= 0 else ""


def route_costs(session: nox.Session, options: Options, scratch: Path) -> list[dict[str, object]]:
    """Run tests/soak/cost.py on SQLite and PostgreSQL (a database of its own, dropped after)."""
    out = scratch / "route-costs.json"
    command = ["python", "-m", "tests.soak.cost", str(out), "--requests", str(options.requests)]
    if options.baseline:
        source = scratch / "baseline"
        shutil.rmtree(source, ignore_errors=True)
        source.mkdir()
        archive = scratch / "baseline.tar"
        session.run(
            "git", "archive", f"--output={archive}", options.baseline, "server", external=True
        )
        session.run("tar", "-x", "-f", str(archive), "-C", str(source), external=True)
        command += ["--baseline-source", str(source), "--rounds", str(options.rounds)]
    session.run(*command, env=backend_env("postgres"))
    costs: list[dict[str, object]] = json.loads(out.read_text())
    return costs


ROUTES_COMMAND = "nox -s bench -- --only routes"


def write_routes(
    costs: list[dict[str, object]], options: Options, load: tuple[float, float], python: str
) -> None:
    """Append one section: CPU ms per request per route and database, and its ratio to the
    bare route's (the mean of its run before and after the app's routes on that database)."""
    cpu: dict[tuple[str, str, str], float] = {}  # (db, app, route)
    bare: dict[str, list[float]] = {}
    apps: list[str] = []
    for cost in costs:
        db, route, ms = str(cost["db"]), str(cost["route"]), float(str(cost["cpu_ms"]))
        app = str(cost.get("app", "current"))
        if route.startswith("bare "):
            bare.setdefault(db, []).append(ms)
        else:
            cpu[db, app, route] = ms
            apps += [] if app in apps else [app]
    apps.sort(key=lambda a: a != "baseline")  # the baseline's column first
    databases = [db for db in ROUTE_DATABASES if db in bare]
    columns = [(db, app) for db in databases for app in apps]
    for db in databases:
        for app in apps:
            cpu[db, app, BARE_ROUTE] = statistics.mean(bare[db])
    routes = [
        BARE_ROUTE,
        *dict.fromkeys(str(c["route"]) for c in costs if c["route"] != BARE_ROUTE),
    ]
    named = {
        "baseline": f" ({options.baseline})",
        "current": " (this tree)" if options.baseline else "",
    }
    header = " | ".join(f"{ROUTE_DATABASES[db]}{named[app]} CPU ms | x bare" for db, app in columns)
    command = f"{ROUTES_COMMAND} --requests {options.requests}"
    if options.baseline:
        command += f" --baseline {options.baseline} --rounds {options.rounds}"
    if options.label:
        command += f" --label {options.label}"
    lines = [
        "",
        f"### {datetime.date.today().isoformat()}{f' ({options.label})' if options.label else ''}",
        "",
        f"`{command}`: {options.requests} sequential keep-alive requests a route after "
        f"{max(1, options.requests // 10)} unmeasured, CPU (user + system) of the serving uvicorn "
        "process from /proc, bare FastAPI route under the same uvicorn in the same run.",
        "",
        f"- machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {python}",
        f"- load average (1 min) before and after: {load[0]:.2f}, {load[1]:.2f} "
        f"({load_note(max(load))})",
        *(
            f"- {ROUTE_DATABASES[db]} run: bare route before and after the app's routes "
            f"{', '.join(f'{ms:.2f}' for ms in bare[db])} ms"
            for db in databases
        ),
        *(
            [
                f"- {options.baseline} and this tree served side by side, each on a database of "
                f"its own, taking turns on every route in {options.rounds} slices"
            ]
            if options.baseline
            else []
        ),
        "",
        f"| route | {header} |",
        f"| --- |{' ---: | ---: |' * len(columns)}",
    ]
    for route in routes:
        cells = []
        for db, app in columns:
            ms = cpu.get((db, app, route))
            ratio = ms / cpu[db, app, BARE_ROUTE] if ms is not None else None
            cells.append(f"{ms:.2f} | {ratio:.1f}" if ms is not None and ratio else "- | -")
        lines.append(f"| {route} | {' | '.join(cells)} |")
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n"
    if ROUTES_HEADING not in text:
        text = text.rstrip("\n") + f"\n\n{ROUTES_HEADING}\n\nNewest last.\n"
    RESULTS.write_text(text.rstrip("\n") + "\n" + "\n".join(lines) + "\n")


def load_note(load: float) -> str:
    cpus = os.cpu_count() or 1
    if load > cpus:
        return (
            "above the CPU count: other work shared the machine, so wall times are inflated, "
            "CPU times much less"
        )
    return "at most the CPU count: the machine was otherwise quiet"


def load_average() -> float:
    return os.getloadavg()[0]
