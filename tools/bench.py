"""Benchmarks measured with GNU time: wall time and peak memory of whole commands."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import nox


@dataclass(frozen=True)
class Measurement:
    label: str
    run: int
    wall_seconds: float
    peak_rss_mib: float
    exit_status: str
    command: str


def gnu_time(session: nox.Session) -> str:
    found = shutil.which("time", path="/usr/bin:/bin")
    if found is None:
        session.error("GNU time (/usr/bin/time) is needed: apt-get install time")
    return found


def measure(
    session: nox.Session,
    label: str,
    run: int,
    command: list[str],
    scratch: Path,
    env: dict[str, str] | None = None,
) -> Measurement:
    """Run `command` once under `/usr/bin/time -v`; a failing command stops the session."""
    report = scratch / f"time-{label.replace(' ', '-')}-{run}.txt"
    session.run(gnu_time(session), "-v", "-o", str(report), *command, external=True, env=env)
    text = report.read_text()
    status = re.search(r"Exit status: (\d+)", text)
    wall = re.search(r"Elapsed \(wall clock\) time .*: (?:(\d+):)?(\d+):([\d.]+)", text)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if wall is None or rss is None:
        session.error(f"unexpected GNU time output:\n{text}")
    seconds = int(wall[1] or 0) * 3600 + int(wall[2]) * 60 + float(wall[3])
    return Measurement(
        label, run, seconds, int(rss[1]) / 1024, status[1] if status else "?", " ".join(command)
    )
