"""Preference keys and values: the rules are pure functions, checked here case by case."""

from __future__ import annotations

import pytest

from server.errors import AppError, ErrorCode
from server.services.preference_service import encode_value, key_problem, upsert_statement


@pytest.mark.parametrize(
    "key",
    ["a", "theme", "dashboard.layout", "ns:key-1_2", "é" * 128, "数据", "٣٤", "Ωmega"],
)
def test_valid_keys(key: str) -> None:
    assert key_problem(key) is None


@pytest.mark.parametrize(
    ("key", "words"),
    [
        (5, "string"),
        ("", "empty"),
        ("k" * 129, "129"),
        ("a b", "SPACE"),
        ("a/b", "SOLIDUS"),
        ("a\\b", "REVERSE SOLIDUS"),
        ("a\x00b", "'\\x00'"),
        ("a\nb", "'\\n'"),
        ("a😀", "GRINNING FACE"),
        ("a?b", "QUESTION MARK"),
    ],
)
def test_invalid_keys_say_why(key: object, words: str) -> None:
    problem = key_problem(key)
    assert problem is not None
    assert words in problem


def test_values_are_stored_as_compact_unicode_json() -> None:
    assert encode_value({"b": [1, "é"]}) == '{"b":[1,"é"]}'


def test_nan_is_not_json() -> None:
    with pytest.raises(AppError) as caught:
        encode_value(float("nan"))
    assert caught.value.code is ErrorCode.INVALID_PREFERENCE


def test_value_size_is_measured_in_encoded_bytes() -> None:
    # 3-byte characters: 21,846 of them pass 64 KiB once encoded, though fewer than 65,536.
    with pytest.raises(AppError) as caught:
        encode_value("€" * 21_846)
    assert caught.value.code is ErrorCode.PAYLOAD_TOO_LARGE


def test_upsert_needs_a_supported_dialect() -> None:
    with pytest.raises(RuntimeError, match="PostgreSQL or SQLite"):
        upsert_statement("mysql", {}, {})
