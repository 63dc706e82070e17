"""A log record built by hand (as a library may, bypassing the record factory) is stamped and
scrubbed the same way when it passes through `stamp`, arguments or none."""

from __future__ import annotations

import logging

from server.observability import set_correlation_id, set_user_name, stamp


def test_a_hand_built_record_without_arguments_is_scrubbed_and_stamped() -> None:
    record = logging.LogRecord("lib", logging.INFO, __file__, 1, "password=hunter2", None, None)
    set_correlation_id("req-9")
    set_user_name("bob@example.com")
    try:
        stamp(record)
    finally:
        set_correlation_id(None)
        set_user_name(None)

    assert record.args is None
    assert record.getMessage() == "password=[REDACTED]"
    assert (record.correlation_id, record.user) == ("req-9", "bob@example.com")  # type: ignore[attr-defined]
