"""coverage/soak.md and its plot (coverage/soak.png): the headline (the app's throughput as a
fraction of the bare ceiling, with and without faults), the verdicts, per-route latency and
statuses, the fault timeline, and requests/s with p50/p95/p99 over time, faults marked."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on CI or here
import matplotlib.pyplot as plt

from tests.soak.faults import Applied
from tests.soak.figures import PhaseFigures, by_route, per_second
from tests.soak.records import Record
from tests.soak.verdicts import Verdict


@dataclass(frozen=True)
class Run:
    db: str
    users: int
    duration: float
    seed: int
    faults_on: bool
    machine: str
    ceiling: PhaseFigures
    phases: list[PhaseFigures]  # baseline, then faults when on
    records: Mapping[str, Sequence[Record]]  # by phase
    origins: Mapping[str, float]  # when each phase's load started (epoch seconds)
    applied: Sequence[Applied]
    verdicts: Sequence[Verdict]


def _statuses(counts: Counter[int]) -> str:
    return ", ".join(f"{status or 'none'}: {n}" for status, n in sorted(counts.items()))


def headline(run: Run) -> list[str]:
    lines = []
    for phase in run.phases:
        fraction = phase.per_second / run.ceiling.per_second if run.ceiling.per_second else 0.0
        lines.append(
            f"{phase.phase}: {phase.per_second:.1f} requests/s, p99 {phase.latency.p99:.0f} ms, "
            f"{fraction:.1%} of the ceiling ({run.ceiling.per_second:.1f} requests/s)"
        )
    return lines


def markdown(run: Run, plot_name: str) -> str:
    passed = all(v.passed for v in run.verdicts)
    out = [
        "# Soak: the app under load and faults at once",
        "",
        f"`nox -s soak -- --db={run.db} --users={run.users} --duration={run.duration:g} "
        f"--seed={run.seed}{'' if run.faults_on else ' --no-faults'}` on {run.machine}: "
        f"**{'passed' if passed else 'FAILED'}**.",
        "",
        "## Headline",
        "",
        *(f"- {line}" for line in headline(run)),
        "",
        "The ceiling is a bare FastAPI app answering one trivial JSON route under the same "
        "uvicorn and the same locust load, measured in this run on this machine, just before "
        "the app's phases. Throughput is measured, never asserted: on a shared machine both "
        "move with everyone else's load, so compare fractions across runs with care.",
        "",
        "## Verdicts",
        "",
        *(f"- {v.summary()}" for v in run.verdicts),
        "",
        "## Totals",
        "",
        "| phase | seconds | requests | requests/s | p50 ms | p95 ms | p99 ms | statuses |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for phase in [run.ceiling, *run.phases]:
        lat = phase.latency
        out.append(
            f"| {phase.phase} | {phase.seconds:g} | {phase.requests} | {phase.per_second:.1f} "
            f"| {lat.p50:.0f} | {lat.p95:.0f} | {lat.p99:.0f} | {_statuses(phase.statuses)} |"
        )
    for phase in run.phases:
        out += [
            "",
            f"## Per route, {phase.phase}",
            "",
            "| route | requests | p50 ms | p95 ms | p99 ms | statuses |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
        ]
        for route, (lat, counts) in by_route(run.records[phase.phase]).items():
            out.append(
                f"| `{route}` | {lat.count} | {lat.p50:.0f} | {lat.p95:.0f} | {lat.p99:.0f} "
                f"| {_statuses(counts)} |"
            )
    out += ["", "## Fault timeline", ""]
    if not run.faults_on:
        out.append("No faults (`--no-faults`): the baseline only.")
    else:
        out += [
            f"Seed {run.seed} (`--seed={run.seed}` replays these times); seconds after the "
            "faults phase started.",
            "",
            "| at s | fault | what happened |",
            "| ---: | --- | --- |",
            *(f"| {a.at:.1f} | {a.fault.kind} | {a.outcome} |" for a in run.applied),
        ]
    out += ["", f"![requests/s and latency over time]({plot_name})", ""]
    return "\n".join(out)


def plot(run: Run, path: Path) -> None:
    """One column per app phase: requests/s (ceiling's mean dashed) above, p50/p95/p99 below;
    every applied fault a vertical line, a lock's span shaded."""
    columns = len(run.phases)
    figure, axes = plt.subplots(2, columns, figsize=(7 * columns, 7), squeeze=False, sharex="col")
    for column, phase in enumerate(run.phases):
        seconds = per_second(run.records[phase.phase], run.origins[phase.phase])
        xs = [s.at for s in seconds]
        rate, latency = axes[0][column], axes[1][column]
        rate.plot(xs, [s.requests for s in seconds], label="app")
        rate.axhline(run.ceiling.per_second, linestyle="--", color="grey", label="ceiling (mean)")
        rate.set_title(f"{phase.phase}: requests/s")
        for name in ("p50", "p95", "p99"):
            # A second in which nothing completed has no latency: a gap, not a zero.
            ys = [getattr(s.latency, name) if s.requests else math.nan for s in seconds]
            latency.plot(xs, ys, label=name)
        latency.set_yscale("log")
        latency.set_ylabel("ms")
        latency.set_xlabel("seconds after the phase started")
        latency.set_title(f"{phase.phase}: latency")
        if phase.phase == "faults":
            for applied in run.applied:
                for axis in (rate, latency):
                    axis.axvline(applied.at, color="red", alpha=0.4, linewidth=1)
                    if applied.fault.lasts:
                        axis.axvspan(
                            applied.at, applied.at + applied.fault.lasts, color="red", alpha=0.1
                        )
        rate.legend(loc="lower right")
        latency.legend(loc="upper right")
    figure.suptitle(f"soak on {run.db}, {run.users} users (faults: red lines, seed {run.seed})")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
