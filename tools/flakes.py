"""The flake hunter: the suite several times in random order, with more workers than cores and,
optionally, every core kept busy; then one table of every test that failed in any run."""

from __future__ import annotations

import argparse
import os
import random
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nox

from suite_environment import DATABASES
from tools.suite import COVERAGE_DIR, backend_env, pytest_command

REPORT = COVERAGE_DIR / "flakes.md"


@dataclass(frozen=True)
class Options:
    runs: int
    db: str
    workers: int
    stress: bool
    seed: int | None
    pytest_args: list[str]


@dataclass
class Failure:
    test: str
    seeds: list[int] = field(default_factory=list)
    first_message: str = ""


def parse(posargs: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(prog="nox -s flakes --", add_help=True)
    parser.add_argument("--runs", type=int, default=5, help="how many runs (default 5)")
    parser.add_argument("--db", default="sqlite", choices=DATABASES)
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1),
        help="xdist workers per run (default: twice the cores)",
    )
    parser.add_argument("--stress", action="store_true", help="keep every core busy meanwhile")
    parser.add_argument("--seed", type=int, help="the first run's seed (then seed+1, ...)")
    options, rest = parser.parse_known_args(list(posargs))
    if options.runs < 1:
        parser.error("--runs must be at least 1")
    return Options(options.runs, options.db, options.workers, options.stress, options.seed, rest)


@contextmanager
def cpu_hog(enabled: bool) -> Iterator[None]:
    """One busy-looping process per core for as long as the block runs."""
    hogs = (
        [
            subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(os.cpu_count() or 1)
        ]
        if enabled
        else []
    )
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def failures_in(junit_xml: Path) -> dict[str, str]:
    """Test id -> first line of its failure or error, from pytest's JUnit XML."""
    if not junit_xml.exists():
        return {"<the run itself>": "pytest wrote no report (it did not start or crashed)"}
    found = {}
    root = ET.parse(junit_xml).getroot()  # noqa: S314  (written by our own pytest run)
    for case in root.iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is not None:
            test = f"{case.get('classname', '')}::{case.get('name', '')}"
            found[test] = (problem.get("message") or "").strip().splitlines()[0:1]
    return {test: (lines[0] if lines else "") for test, lines in found.items()}


def reproduce_command(options: Options, seed: int) -> str:
    args = ["nox", "-s", "flakes", "--", "--runs", "1", "--seed", str(seed), "--db", options.db]
    args += ["--workers", str(options.workers), *(["--stress"] if options.stress else [])]
    return shlex.join([*args, *options.pytest_args])


def hunt(session: nox.Session, options: Options) -> dict[str, Failure]:
    scratch = Path(session.create_tmp()) / "flakes"
    scratch.mkdir(parents=True, exist_ok=True)
    first_seed = (
        options.seed if options.seed is not None else random.SystemRandom().randrange(10**8)
    )
    failures: dict[str, Failure] = {}
    with cpu_hog(options.stress):
        for index in range(options.runs):
            seed = first_seed + index
            report = scratch / f"run-{index + 1}.xml"
            report.unlink(missing_ok=True)
            session.log(f"run {index + 1} of {options.runs}: seed {seed}")
            command = pytest_command(
                options.db,
                "-p",
                "randomly",
                f"--randomly-seed={seed}",
                f"--junitxml={report}",
                "-q",
                *options.pytest_args,
                workers=str(options.workers),
            )
            session.run(*command, env=backend_env(options.db), success_codes=[0, 1])
            for test, message in failures_in(report).items():
                entry = failures.setdefault(test, Failure(test, first_message=message))
                entry.seeds.append(seed)
    return failures


def summary(options: Options, failures: dict[str, Failure]) -> str:
    setup = f"{options.runs} run(s) on {options.db}, {options.workers} workers, random order" + (
        ", every core busy (--stress)" if options.stress else ""
    )
    if not failures:
        return f"## Flake hunt: no failures\n\n{setup}.\n"
    rows = "\n".join(
        f"| `{f.test}` | {len(f.seeds)} of {options.runs} | {', '.join(map(str, f.seeds))} "
        f"| {f.first_message.replace('|', '/')[:160]} "
        f"| `{reproduce_command(options, f.seeds[0])}` |"
        for f in sorted(failures.values(), key=lambda f: (-len(f.seeds), f.test))
    )
    return (
        f"## Flake hunt: {len(failures)} test(s) failed\n\n{setup}.\n\n"
        "| test | failed in | seeds | first failure | reproduce |\n"
        "| --- | --- | --- | --- | --- |\n"
        f"{rows}\n"
    )
