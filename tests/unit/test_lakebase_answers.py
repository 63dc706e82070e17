"""How the app reads a credential answer's parts the fake workspace always writes one way: an
expiry without a UTC offset (read as UTC, never as a naive time that could not be compared)
or with another offset, and an answer without a token (refused with a message, not stored)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from server.db.lakebase import _parse_expiry, _token

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-03-01T12:20:00Z", datetime(2026, 3, 1, 12, 20, tzinfo=UTC)),
        ("2026-03-01T12:20:00", datetime(2026, 3, 1, 12, 20, tzinfo=UTC)),
        ("2026-03-01T14:20:00+02:00", datetime(2026, 3, 1, 12, 20, tzinfo=UTC)),
        ("2026-03-01T12:20:00.5Z", datetime(2026, 3, 1, 12, 20, 0, 500000, tzinfo=UTC)),
        (None, None),
        ("", None),
    ],
)
def test_an_expiry_is_an_aware_instant(raw: str | None, expected: datetime | None) -> None:
    parsed = _parse_expiry(raw)

    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset() is not None


def test_an_offset_is_kept_not_replaced() -> None:
    parsed = _parse_expiry("2026-03-01T14:20:00+02:00")

    assert parsed is not None
    assert parsed.utcoffset() == timezone(timedelta(hours=2)).utcoffset(None)


@pytest.mark.parametrize("token", [None, ""])
def test_an_answer_without_a_token_is_refused(token: str | None) -> None:
    with pytest.raises(RuntimeError, match=r"^Lakebase returned no credential token$"):
        _token(token, NOW + timedelta(minutes=20), NOW)


def test_a_token_keeps_the_expiry_it_was_answered_with() -> None:
    credential = _token("lbtok-1", NOW + timedelta(minutes=20), NOW)

    assert (credential.token, credential.expires_at) == ("lbtok-1", NOW + timedelta(minutes=20))
