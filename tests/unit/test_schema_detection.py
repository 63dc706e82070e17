"""Detection answers for OpenAPI documents the fake never serves: none, not JSON, without a
request body, one that yields no example, and documents around the 8 MiB read limit."""

from __future__ import annotations

import io
import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest

from server.services.schema_detection_service import (
    NO_EXAMPLE_MESSAGE,
    OPENAPI_MAX_BYTES,
    UNKNOWN_SCHEMA_MESSAGE,
    _read_open_api,
    detect_from_openapi,
)

UNKNOWN = {
    "endpoint_name": "custom",
    "detected_type": "UNKNOWN",
    "task": "my/task",
    "source": "none",
    "input_schema": None,
    "example": None,
    "message": UNKNOWN_SCHEMA_MESSAGE,
}


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(None, id="none-published"),
        pytest.param(b"", id="empty"),
        pytest.param(json.dumps({"openapi": "3.1.0", "paths": {}}).encode(), id="no-request-body"),
    ],
)
def test_a_document_without_a_request_schema_is_unknown_with_advice(raw: bytes | None) -> None:
    assert detect_from_openapi("custom", "my/task", raw).model_dump(mode="json") == UNKNOWN


def test_a_document_that_is_not_json_is_unknown_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="server.services.schema_detection_service"):
        result = detect_from_openapi("custom", "my/task", b"<html>")

    assert result.model_dump(mode="json") == UNKNOWN
    assert [(r.getMessage(), r.__dict__.get("endpoint")) for r in caplog.records] == [
        ("serving endpoint OpenAPI document is not JSON", "custom")
    ]


def test_a_schema_that_yields_no_example_says_so() -> None:
    body = {"content": {"application/json": {"schema": {"type": "string"}}}}
    document = {"openapi": "3.1.0", "paths": {"/invocations": {"post": {"requestBody": body}}}}

    result = detect_from_openapi("custom", None, json.dumps(document).encode())

    assert result.model_dump(mode="json") == {
        "endpoint_name": "custom",
        "detected_type": "CUSTOM",
        "task": None,
        "source": "openapi",
        "input_schema": {"type": "string"},
        "example": None,
        "message": NO_EXAMPLE_MESSAGE,
    }


class Contents(io.BytesIO):
    closed_by_reader = False

    def close(self) -> None:
        self.closed_by_reader = True
        super().close()


def client_serving(contents: Any) -> Any:
    answer = SimpleNamespace(contents=contents)
    return SimpleNamespace(serving_endpoints=SimpleNamespace(get_open_api=lambda name: answer))


def test_a_document_of_8_mib_is_read_whole_and_closed() -> None:
    contents = Contents(b"x" * OPENAPI_MAX_BYTES)

    raw = _read_open_api("custom")(client_serving(contents))

    assert OPENAPI_MAX_BYTES == 8 * 1024 * 1024
    assert raw is not None
    assert len(raw) == OPENAPI_MAX_BYTES
    assert contents.closed_by_reader


def test_a_document_a_byte_over_8_mib_is_ignored_and_closed() -> None:
    contents = Contents(b"x" * (OPENAPI_MAX_BYTES + 1))

    assert _read_open_api("custom")(client_serving(contents)) is None
    assert contents.closed_by_reader


def test_no_document_at_all_reads_as_none() -> None:
    assert _read_open_api("custom")(client_serving(None)) is None
