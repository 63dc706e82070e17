"""The timestamp column type every table uses: what it stores and hands back on either
database (SQLite forgets the offset, PostgreSQL keeps it), always an aware UTC instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from server.models.base import UTCDateTime

BERLIN = timezone(timedelta(hours=1))
DIALECTS = [sqlite.dialect(), postgresql.dialect()]


@pytest.mark.parametrize("dialect", DIALECTS, ids=["sqlite", "postgresql"])
def test_an_aware_time_is_stored_as_utc_and_nothing_stays_nothing(dialect) -> None:
    column = UTCDateTime()

    stored = column.process_bind_param(datetime(2026, 3, 1, 13, 0, tzinfo=BERLIN), dialect)

    assert stored == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert stored is not None
    assert stored.tzinfo is UTC
    assert column.process_bind_param(None, dialect) is None
    assert column.process_result_value(None, dialect) is None


@pytest.mark.parametrize("dialect", DIALECTS, ids=["sqlite", "postgresql"])
def test_a_naive_time_is_refused_rather_than_guessed(dialect) -> None:
    with pytest.raises(
        ValueError, match=r"^naive datetimes are not stored; pass an aware datetime$"
    ):
        UTCDateTime().process_bind_param(datetime(2026, 3, 1, 12, 0), dialect)


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        (datetime(2026, 3, 1, 12, 0), datetime(2026, 3, 1, 12, 0, tzinfo=UTC)),  # SQLite
        (datetime(2026, 3, 1, 13, 0, tzinfo=BERLIN), datetime(2026, 3, 1, 12, 0, tzinfo=UTC)),
    ],
    ids=["offset-forgotten", "offset-kept"],
)
def test_what_is_read_back_is_aware_utc(read: datetime, expected: datetime) -> None:
    value = UTCDateTime().process_result_value(read, sqlite.dialect())

    assert value == expected
    assert value is not None
    assert value.tzinfo is UTC
