"""What fails the soak, checked from the records once the load has stopped.

Each verdict is a pure function of what the run recorded, so its tests (test_verdicts.py) can
hand it a doctored record (one 500, one acknowledged write missing from the final read) and see
it fail. None of them looks at speed: the machine is shared, and throughput is reported, never
asserted.

The preference truth is replayed per user, in the order the user sent its requests (one user
is one locust greenlet, so its requests never overlap). For each key it is the set of values
the key may hold now (ABSENT among them when it may be missing):

- an acknowledged write (200/201) or delete (204, or 404: nothing there) makes it exactly that;
- a write refused with a 4xx leaves it as it was: the app said nothing was written;
- a write or delete answered 5xx leaves the outcome unknown (a connection killed during COMMIT
  may or may not have committed it): the set gains the new state ("either");
- a write whose answer never came may still land later, so its value stays possible for good;
- every read (one key, the list, the final read) must find one of the set, and narrows it.

201 ("created") where the key must exist, or 200 ("updated") where it cannot, is a lost or
phantom write too: the app saw a different past from the one it acknowledged.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.soak.records import NO_ANSWER, Record

MEMORY_TOLERANCE = 0.10  # resident memory after the run vs after the warm-up
MEANT_5XX = frozenset({502, 503, 504})
_ABSENT = "<absent>"  # a key that holds nothing (values are compared as canonical JSON)
SHOWN = 5  # violations quoted per verdict; the count says how many there were


@dataclass
class Verdict:
    name: str
    checked: str  # what was looked at, e.g. "4,120 answers"
    violations: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.violations

    def summary(self) -> str:
        state = "pass" if self.passed else f"FAIL ({len(self.violations)})"
        quoted = "".join(f"\n    - {v}" for v in self.violations[:SHOWN])
        return f"{state}: {self.name} ({self.checked}){quoted}"


def _where(record: Record) -> str:
    rid = record["headers"].get("x-request-id", "-")
    return f"{record['phase']} {record['user']} #{record['seq']} {record['route']} (id {rid})"


def envelope_problem(record: Record) -> str | None:
    """Why an answer is not one the app may give (None: it is)."""
    status = record["status"]
    if status == NO_ANSWER:
        return "no HTTP answer at all"
    if status == 500:
        return "500"
    if status < 400:
        return None if record["body"] is None else f"{status} whose body is not JSON"
    try:
        body = json.loads(record["body"] or "")
    except ValueError:
        return f"{status} whose body is not JSON"
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return f"{status} outside the error envelope"
    missing = [k for k in ("code", "message", "details", "correlation_id") if k not in error]
    if missing:
        return f"{status} envelope without {', '.join(missing)}"
    if error["correlation_id"] != record["headers"].get("x-request-id"):
        return f"{status} envelope whose correlation_id is not its X-Request-Id"
    return None


def no_500_and_envelope(records: Sequence[Record]) -> Verdict:
    verdict = Verdict("no 500, every error in the envelope", f"{len(records)} requests")
    for record in records:
        problem = envelope_problem(record)
        if problem:
            verdict.violations.append(f"{problem}: {_where(record)}")
    return verdict


def meant_5xx_problem(record: Record, status_by_code: Mapping[str, int]) -> str | None:
    """A 5xx must be one the app means: 502/503/504 with a code the app gives that status
    (`status_by_code`: server/errors.py's table), and a 503 carries Retry-After (header and
    envelope agree)."""
    status = record["status"]
    if status < 500:
        return None
    if status not in MEANT_5XX:
        return f"{status} is not one the app answers on purpose"
    try:
        error = json.loads(record["body"] or "")["error"]
        code = str(error["code"])
    except (ValueError, KeyError, TypeError):
        return f"{status} without an error code"
    if status_by_code.get(code) != status:
        return f"{status} with code {code} (which the app gives {status_by_code.get(code)})"
    if status == 503:
        header = record["headers"].get("retry-after")
        if header is None or not header.isdigit():
            return f"503 {code} without a Retry-After header in seconds"
        if error.get("retry_after") != int(header):
            return f"503 {code}: Retry-After {header} but retry_after {error.get('retry_after')}"
    return None


def meant_5xx(records: Sequence[Record], status_by_code: Mapping[str, int]) -> Verdict:
    answered = [r for r in records if r["status"] >= 500]
    verdict = Verdict("every 5xx one the app means, Retry-After on 503", f"{len(answered)} 5xx")
    for record in answered:
        problem = meant_5xx_problem(record, status_by_code)
        if problem:
            verdict.violations.append(f"{problem}: {_where(record)}")
    return verdict


def _canon(value: Any) -> str:
    return _ABSENT if value is None else json.dumps(value, sort_keys=True)


class _KeyTruth:
    def __init__(self) -> None:
        self.possible: set[str] = {_ABSENT}
        self.stragglers: set[str] = set()  # written without an answer: may land at any time

    def allows(self, state: str) -> bool:
        return state in self.possible or state in self.stragglers

    def settle(self, state: str) -> None:
        self.possible = {state}


def _replay_user(records: Iterable[Record], violations: list[str]) -> None:
    truth: dict[str, _KeyTruth] = defaultdict(_KeyTruth)

    def observe(record: Record, key: str, state: str) -> None:
        known = truth[key]
        if not known.allows(state):
            shown = "absent" if state == _ABSENT else state
            expected = sorted(known.possible | known.stragglers)
            violations.append(
                f"{key!r} read as {shown}, acknowledged history allows {expected}: {_where(record)}"
            )
        known.settle(state)

    for record in sorted(records, key=lambda r: r["seq"]):
        op = record.get("pref")
        if op is None:
            continue
        status = record["status"]
        if op["op"] == "write":
            key, state = op["key"], _canon(op["value"])
            known = truth[key]
            if status in (200, 201):
                if status == 201 and not known.allows(_ABSENT):
                    violations.append(f"{key!r} created anew, but was kept: {_where(record)}")
                if status == 200 and known.possible == {_ABSENT} and not known.stragglers:
                    violations.append(f"{key!r} updated, but never written: {_where(record)}")
                known.settle(state)
            elif status == NO_ANSWER:
                known.stragglers.add(state)
                known.possible.add(state)
            elif status >= 500:
                known.possible.add(state)
        elif op["op"] == "delete":
            key = op["key"]
            known = truth[key]
            if status == 204:
                if known.possible == {_ABSENT} and not known.stragglers:
                    violations.append(f"{key!r} deleted, but never written: {_where(record)}")
                known.settle(_ABSENT)
            elif status == 404:
                observe(record, key, _ABSENT)
            elif status == NO_ANSWER or status >= 500:
                known.possible.add(_ABSENT)
        elif op["op"] == "read" and status in (200, 404):
            observe(record, op["key"], _canon(op.get("observed") if status == 200 else None))
        elif op["op"] == "list" and status == 200:
            seen = {key: _canon(value) for key, value in op.get("items", [])}
            if op.get("total", len(seen)) != len(seen):
                violations.append(f"list shows {len(seen)} of {op.get('total')}: {_where(record)}")
            for key in sorted(set(truth) | set(seen)):
                observe(record, key, seen.get(key, _ABSENT))


def writes_kept(records: Sequence[Record]) -> Verdict:
    """Every acknowledged write there afterwards, nothing unacknowledged or deleted."""
    by_user: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        by_user[record["user"]].append(record)
    finals = {r["user"] for r in records if r["phase"] == "final" and r["status"] == 200}
    writes = sum(1 for r in records if r.get("pref", {}).get("op") in ("write", "delete"))
    verdict = Verdict(
        "every acknowledged write kept, nothing else", f"{writes} writes of {len(by_user)} users"
    )
    for user in sorted(by_user):
        if any("pref" in r for r in by_user[user]) and user not in finals:
            verdict.violations.append(f"{user}: no final read of its preferences")
        _replay_user(by_user[user], verdict.violations)
    return verdict


def isolation(records: Sequence[Record]) -> Verdict:
    """No user sees another's preferences (values name their owner) or inference log (another
    user's acknowledged request ids, or more entries than invocations it sent)."""
    invoked_by: dict[str, str] = {}
    for record in records:
        request_id = record.get("invoke")
        if request_id:
            invoked_by[request_id] = record["user"]
    verdict = Verdict("no user sees another's preferences or log", f"{len(records)} requests")
    sent: dict[str, int] = defaultdict(int)
    for record in sorted(records, key=lambda r: (r["user"], r["seq"])):
        user = record["user"]
        if "invoke" in record:
            sent[user] += 1
        op = record.get("pref")
        if op is not None and record["status"] == 200:
            values = [v for _, v in op.get("items", [])]
            if op["op"] == "read":
                values.append(op.get("observed"))
            for value in values:
                owner = value.get("owner") if isinstance(value, dict) else None
                if owner != user:
                    verdict.violations.append(f"saw {owner!r}'s value: {_where(record)}")
        logs = record.get("logs")
        if logs is not None and record["status"] == 200:
            foreign = [rid for rid in logs["request_ids"] if invoked_by.get(rid, user) != user]
            if foreign:
                verdict.violations.append(
                    f"log shows {invoked_by[foreign[0]]}'s invocation: {_where(record)}"
                )
            if logs["total"] > sent[user]:
                verdict.violations.append(
                    f"log has {logs['total']} entries, {sent[user]} invocations sent: "
                    f"{_where(record)}"
                )
    return verdict


def memory(rss_after_warmup: int, rss_after_run: int) -> Verdict:
    """Resident memory may not grow by more than MEMORY_TOLERANCE over the run (shrinking is
    fine: memory handed back is no leak)."""
    growth = (rss_after_run - rss_after_warmup) / rss_after_warmup
    checked = (
        f"{rss_after_warmup / 2**20:.1f} MiB after warm-up, {rss_after_run / 2**20:.1f} MiB "
        f"after the run: {growth:+.1%}"
    )
    verdict = Verdict(f"app memory within {MEMORY_TOLERANCE:.0%} of after warm-up", checked)
    if growth > MEMORY_TOLERANCE:
        verdict.violations.append(f"resident memory grew {growth:+.1%}")
    return verdict


def connections(samples: Sequence[tuple[float, int]], limit: int | None) -> Verdict:
    """Open database connections of the app never above its pool's limit (PostgreSQL only)."""
    if limit is None:
        return Verdict("database connections within the pool", "not PostgreSQL: not sampled")
    most = max((n for _, n in samples), default=0)
    checked = f"{len(samples)} samples, at most {most}, limit {limit}"
    verdict = Verdict("database connections within the pool", checked)
    if not samples:
        verdict.violations.append("pg_stat_activity was never sampled")
    for at, count in samples:
        if count > limit:
            verdict.violations.append(f"{count} connections at {at:.1f} s")
    return verdict
