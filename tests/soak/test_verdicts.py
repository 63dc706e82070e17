"""The soak's verdicts bite: a doctored record (one 500, one acknowledged write missing from the
final read, another user's value) fails the verdict it should, and a clean one passes."""

from __future__ import annotations

import json
from itertools import count
from typing import Any

import pytest

from server.errors import STATUS_BY_CODE as APP_STATUS_BY_CODE
from tests.soak import verdicts
from tests.soak.records import NO_ANSWER, PREFS, Record

# The app's own table, its codes as the strings the records carry.
STATUS_BY_CODE = {str(code): status for code, status in APP_STATUS_BY_CODE.items()}
_seq = count(1)


def record(
    status: int = 200, *, user: str = "soak-01", route: str = f"GET {PREFS}", **extra: Any
) -> Record:
    rid = f"req{next(_seq)}"
    made: dict[str, Any] = {
        "user": user,
        "seq": next(_seq),
        "phase": "baseline",
        "route": route,
        "t": 0.0,
        "ms": 1.0,
        "status": status,
        "headers": {"x-request-id": rid},
        "body": None,
    }
    made.update(extra)
    return made  # type: ignore[return-value]


def error(status: int, code: str, *, retry_after: int | None = None, **extra: Any) -> Record:
    made = record(status, **extra)
    rid = made["headers"]["x-request-id"]
    envelope = {"code": code, "message": "m", "details": {}, "correlation_id": rid}
    if retry_after is not None:
        envelope["retry_after"] = retry_after
        made["headers"]["retry-after"] = str(retry_after)
    made["body"] = json.dumps({"error": envelope})
    return made


def value(n: int, owner: str = "soak-01") -> dict[str, Any]:
    return {"owner": owner, "n": n}


def write(key: str, n: int, status: int = 201, user: str = "soak-01") -> Record:
    op = {"op": "write", "key": key, "value": value(n, user)}
    if status >= 400:
        code = "DATABASE_UNAVAILABLE" if status == 503 else "INVALID_PREFERENCE"
        return error(status, code, retry_after=5 if status == 503 else None, user=user, pref=op)
    return record(status, user=user, route=f"POST {PREFS}", pref=op)


def delete(key: str, status: int = 204) -> Record:
    return record(status, route=f"DELETE {PREFS}/{{key}}", pref={"op": "delete", "key": key})


def final(items: dict[str, dict[str, Any]], user: str = "soak-01") -> Record:
    listed = {"op": "list", "items": [[k, v] for k, v in items.items()], "total": len(items)}
    return record(200, user=user, phase="final", pref=listed)


def in_order(records: tuple[Record, ...]) -> list[Record]:
    """The user's history as listed (records made earlier may be listed later)."""
    return [{**r, "seq": i} for i, r in enumerate(records)]  # type: ignore[typeddict-item]


def kept(*records: Record) -> verdicts.Verdict:
    return verdicts.writes_kept(in_order(records))


# -- no 500, the envelope -------------------------------------------------------------------


def test_clean_answers_pass_the_envelope_verdict() -> None:
    clean = [record(200), error(404, "PREFERENCE_NOT_FOUND"), error(503, "MODEL_UNAVAILABLE")]
    assert verdicts.no_500_and_envelope(clean).passed


@pytest.mark.parametrize(
    "doctored",
    [
        error(500, "INTERNAL_ERROR"),
        record(404, body="<html>not found</html>"),
        record(400, body=json.dumps({"detail": "FastAPI's own shape"})),
        record(422, body=json.dumps({"error": {"code": "X", "message": "m"}})),
        record(NO_ANSWER),
        record(200, body="not json"),
    ],
    ids=["500", "html", "not-envelope", "missing-fields", "no-answer", "2xx-not-json"],
)
def test_one_bad_answer_fails_the_envelope_verdict(doctored: Record) -> None:
    verdict = verdicts.no_500_and_envelope([record(200), doctored])
    assert not verdict.passed
    assert len(verdict.violations) == 1


def test_an_envelope_whose_correlation_id_is_not_its_request_id_fails() -> None:
    doctored = error(404, "PREFERENCE_NOT_FOUND")
    doctored["headers"]["x-request-id"] = "another"
    assert not verdicts.no_500_and_envelope([doctored]).passed


# -- every 5xx meant -------------------------------------------------------------------------


def test_meant_5xx_pass() -> None:
    meant = [error(503, "DATABASE_UNAVAILABLE", retry_after=5), error(502, "MODEL_ERROR")]
    assert verdicts.meant_5xx(meant, STATUS_BY_CODE).passed


@pytest.mark.parametrize(
    "doctored",
    [
        error(503, "DATABASE_UNAVAILABLE"),  # no Retry-After
        error(501, "MODEL_ERROR"),
        error(503, "MODEL_ERROR", retry_after=1),  # a 502 code on a 503
        error(503, "INTERNAL_ERROR", retry_after=1),
        record(504, body="Gateway Timeout"),
    ],
    ids=["no-retry-after", "501", "wrong-code", "internal", "no-envelope"],
)
def test_an_unmeant_5xx_fails(doctored: Record) -> None:
    assert not verdicts.meant_5xx([doctored], STATUS_BY_CODE).passed


def test_a_503_whose_header_and_envelope_disagree_fails() -> None:
    doctored = error(503, "DATABASE_UNAVAILABLE", retry_after=5)
    doctored["headers"]["retry-after"] = "7"
    assert not verdicts.meant_5xx([doctored], STATUS_BY_CODE).passed


# -- every acknowledged write kept, nothing else ---------------------------------------------


def test_acknowledged_writes_found_in_the_final_read_pass() -> None:
    verdict = kept(
        write("a", 1),
        write("a", 2, status=200),
        write("b", 3),
        delete("b"),
        write("c", 4, status=400),  # refused: must not appear
        final({"a": value(2)}),
    )
    assert verdict.passed, verdict.violations


def test_a_final_read_that_drops_one_acknowledged_write_fails() -> None:
    verdict = kept(write("a", 1), write("b", 2), final({"a": value(1)}))
    assert len(verdict.violations) == 1
    assert verdict.violations[0].startswith("'b' read as absent")


def test_an_overwritten_value_coming_back_fails() -> None:
    assert not kept(write("a", 1), write("a", 2, status=200), final({"a": value(1)})).passed


def test_a_deleted_key_still_there_fails() -> None:
    assert not kept(write("a", 1), delete("a"), final({"a": value(1)})).passed


def test_a_refused_write_that_is_there_anyway_fails() -> None:
    assert not kept(write("a", 1, status=400), final({"a": value(1)})).passed


@pytest.mark.parametrize("landed", [True, False])
def test_a_write_answered_503_may_or_may_not_be_there(landed: bool) -> None:
    items = {"a": value(2)} if landed else {"a": value(1)}
    assert kept(write("a", 1), write("a", 2, status=503), final(items)).passed


def test_a_write_without_an_answer_may_still_land_after_a_read() -> None:
    read_old = record(200, pref={"op": "read", "key": "a", "observed": value(1)})
    history = [write("a", 1), write("a", 2, status=NO_ANSWER), read_old, final({"a": value(2)})]
    assert kept(*history).passed


def test_a_read_during_the_run_that_misses_an_acknowledged_write_fails() -> None:
    missing = record(404, pref={"op": "read", "key": "a"})
    assert not kept(write("a", 1), missing, final({"a": value(1)})).passed


def test_created_again_after_an_acknowledged_write_fails() -> None:
    # 201 says the row was not there: the acknowledged first write had been lost.
    assert not kept(write("a", 1), write("a", 2, status=201), final({"a": value(2)})).passed


def test_a_user_without_a_final_read_fails() -> None:
    assert not kept(write("a", 1)).passed


# -- isolation -------------------------------------------------------------------------------


def test_own_values_and_own_log_pass() -> None:
    mine = record(200, route="POST /api/model-serving/invoke", invoke="r1")
    log = record(200, logs={"request_ids": ["r1"], "total": 1})
    read = record(200, pref={"op": "read", "key": "a", "observed": value(1)})
    assert verdicts.isolation(in_order((mine, log, read))).passed


def test_seeing_another_users_preference_fails() -> None:
    leaked = final({"a": value(1, owner="soak-02")})
    assert not verdicts.isolation([leaked]).passed


def test_seeing_another_users_invocation_in_the_log_fails() -> None:
    theirs = record(200, user="soak-02", route="POST /api/model-serving/invoke", invoke="r9")
    mine = record(200, route="POST /api/model-serving/invoke", invoke="r1")
    log = record(200, logs={"request_ids": ["r1", "r9"], "total": 2})
    assert not verdicts.isolation(in_order((theirs, mine, log))).passed


def test_a_log_longer_than_the_invocations_sent_fails() -> None:
    failed = error(503, "MODEL_UNAVAILABLE", retry_after=1, invoke=None)
    log = record(200, logs={"request_ids": ["unknown-1", "unknown-2"], "total": 2})
    assert not verdicts.isolation(in_order((failed, log))).passed


# -- memory and connections ------------------------------------------------------------------


@pytest.mark.parametrize(("after", "passed"), [(109, True), (111, False), (80, True)])
def test_memory_may_grow_at_most_ten_percent(after: int, passed: bool) -> None:
    assert verdicts.memory(100 * 2**20, after * 2**20).passed is passed


def test_connections_above_the_pool_limit_fail() -> None:
    assert verdicts.connections([(0.5, 4), (1.0, 10)], limit=10).passed
    assert not verdicts.connections([(0.5, 4), (1.0, 11)], limit=10).passed


def test_postgres_never_sampled_fails_but_sqlite_is_not_sampled() -> None:
    assert not verdicts.connections([], limit=10).passed
    assert verdicts.connections([], limit=None).passed
