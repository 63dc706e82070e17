"""Throughput and latency from the records: per phase, per route, per second.

Percentiles are exact (`statistics.quantiles` over every latency, method "inclusive"), not a
histogram's buckets: a phase holds a few thousand requests, so there is no reason to round.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from tests.soak.records import Record


@dataclass(frozen=True)
class Latency:
    count: int
    p50: float
    p95: float
    p99: float

    @classmethod
    def of(cls, millis: Sequence[float]) -> Latency:
        if not millis:
            return cls(0, 0.0, 0.0, 0.0)
        if len(millis) == 1:
            return cls(1, millis[0], millis[0], millis[0])
        cuts = statistics.quantiles(millis, n=100, method="inclusive")
        return cls(len(millis), cuts[49], cuts[94], cuts[98])


@dataclass(frozen=True)
class PhaseFigures:
    phase: str
    seconds: float
    requests: int
    latency: Latency
    statuses: Counter[int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def phase_figures(phase: str, records: Sequence[Record], seconds: float) -> PhaseFigures:
    return PhaseFigures(
        phase,
        seconds,
        len(records),
        Latency.of([r["ms"] for r in records]),
        Counter(r["status"] for r in records),
    )


def by_route(records: Sequence[Record]) -> dict[str, tuple[Latency, Counter[int]]]:
    grouped: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        grouped[record["route"]].append(record)
    return {
        route: (Latency.of([r["ms"] for r in rows]), Counter(r["status"] for r in rows))
        for route, rows in sorted(grouped.items())
    }


@dataclass(frozen=True)
class Second:
    at: int  # seconds after the phase started (by completion time)
    requests: int
    latency: Latency


def per_second(records: Sequence[Record], origin: float) -> list[Second]:
    """Requests completed in each whole second after `origin`, and their latencies."""
    buckets: dict[int, list[float]] = defaultdict(list)
    for record in records:
        done = record["t"] + record["ms"] / 1000 - origin
        buckets[max(0, int(done))].append(record["ms"])
    last = max(buckets, default=-1)
    return [Second(s, len(buckets[s]), Latency.of(buckets[s])) for s in range(last + 1)]
