"""Structured JSON logging with the request's correlation id and user on every line."""

from __future__ import annotations

import logging
import re
import sys
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter

_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
_user_name: ContextVar[str | None] = ContextVar("user_name", default=None)

# Defence in depth: nothing we log should hold a token, but if a library formats one into a
# message we scrub bearer values and Databricks-style tokens before the line is written.
_SECRET_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"\bdapi[0-9a-f]{16,}\b"),
    re.compile(
        r"(?i)((?:access[_-]?token|password|client[_-]?secret|token)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"
    ),
)
_REDACTED = "[REDACTED]"


def get_correlation_id() -> str | None:
    """The correlation id of the request being served, if any."""
    return _correlation_id.get()


def set_correlation_id(value: str | None) -> None:
    _correlation_id.set(value)


def set_user_name(value: str | None) -> None:
    _user_name.set(value)


def redact(text: str) -> str:
    """Replace anything that looks like a credential."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(
            lambda m: (m.group(1) if m.groups() else "") + _REDACTED,
            text,
        )
    return text


def stamp(record: logging.LogRecord) -> None:
    """Put the request's correlation id and user on a record and scrub secrets from it."""
    record.correlation_id = _correlation_id.get()
    record.user = _user_name.get()
    # Whatever was logged (an exception, a dict) is written as its text: scrub that text.
    record.msg = redact(record.msg if isinstance(record.msg, str) else str(record.msg))
    # `%s` arguments come as a tuple; `%(name)s` ones as the one mapping logging was given.
    if isinstance(record.args, tuple):
        record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
    elif record.args is not None:  # a record built by hand may have none
        record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}


_base_factory = logging.getLogRecordFactory()


def _record_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    stamp(record)
    return record


def install_record_factory() -> None:
    """Every record, whichever handler gets it (ours, pytest's caplog), carries the context."""
    if logging.getLogRecordFactory() is not _record_factory:
        logging.setLogRecordFactory(_record_factory)


class _JsonFormatter(JsonFormatter):
    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in log_data.items() if v is not None}


def configure_logging(level: str) -> None:
    """Send JSON lines to stdout (Databricks Apps collects stdout) for our loggers and uvicorn's."""
    install_record_factory()
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        _JsonFormatter(
            "{levelname}{name}{message}",
            style="{",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp=True,  # ISO 8601 in UTC
        )
    )
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_app_json_handler", False):
            root.removeHandler(existing)
    handler._app_json_handler = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # uvicorn's access log duplicates our request line; its error log goes through the root.
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
