"""Named statement parameters: ``[{"name", "value" (string, absent = NULL), "type"?}]``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fake_workspace.errors import invalid_parameter
from fake_workspace.reference.render import format_timestamp
from fake_workspace.sql_errors import SqlError

_INTEGER = frozenset({"INT", "INTEGER", "BIGINT", "LONG", "SMALLINT", "SHORT", "TINYINT", "BYTE"})
_REAL = frozenset({"DOUBLE", "FLOAT", "REAL", "DECIMAL", "NUMERIC", "DEC"})
_TEXT = frozenset({"STRING", "VARCHAR", "CHAR"})
_KNOWN = _INTEGER | _REAL | _TEXT | {"BOOLEAN", "DATE", "TIMESTAMP", "TIMESTAMP_NTZ", "VOID"}


@dataclass(frozen=True)
class StatementParameter:
    name: str
    value: str | None
    type: str

    @property
    def base_type(self) -> str:
        return self.type.split("(")[0].strip().upper()


def parse_parameters(raw: Any) -> dict[str, StatementParameter]:
    """Validate the request's ``parameters`` (HTTP 400 on a malformed list)."""
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise invalid_parameter("parameters must be a list of {name, value, type} objects.")
    parsed: dict[str, StatementParameter] = {}
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            raise invalid_parameter("Every parameter needs a non-empty string 'name'.")
        value = item.get("value")
        if value is not None and not isinstance(value, str):
            raise invalid_parameter(f"Parameter '{item['name']}': value must be a string.")
        kind = item.get("type") or "STRING"
        if not isinstance(kind, str):
            raise invalid_parameter(f"Parameter '{item['name']}': type must be a string.")
        param = StatementParameter(item["name"], value, kind)
        if param.base_type not in _KNOWN:
            raise invalid_parameter(f"Parameter '{param.name}': unsupported type '{kind}'.")
        if param.name in parsed:
            raise invalid_parameter(f"Parameter '{param.name}' is given more than once.")
        parsed[param.name] = param
    return parsed


def _cast_error(param: StatementParameter) -> SqlError:
    return SqlError(
        "CAST_INVALID_INPUT",
        f"The value '{param.value}' of the type \"STRING\" cannot be cast to "
        f'"{param.base_type}" because it is malformed. Correct the value as per the syntax, '
        "or change its target type.",
        "22018",
    )


def bind_value(param: StatementParameter) -> Any:
    """Convert the string value to the Python value SQLite compares against stored data."""
    if param.value is None:
        return None
    text = param.value.strip()
    try:
        if param.base_type in _INTEGER:
            return int(text)
        if param.base_type in _REAL:
            return float(text)
        if param.base_type == "BOOLEAN":
            if text.lower() not in {"true", "false"}:
                raise ValueError(text)
            return text.lower() == "true"
        if param.base_type == "DATE":
            return date.fromisoformat(text).isoformat()
        if param.base_type in {"TIMESTAMP", "TIMESTAMP_NTZ"}:
            return format_timestamp(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise _cast_error(param) from None
    return param.value
