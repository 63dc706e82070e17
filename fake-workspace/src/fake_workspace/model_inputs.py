"""Parsing of MLflow scoring-protocol bodies into rows, with schema checks like MLflow's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fake_workspace.errors import bad_request
from fake_workspace.reference.specs import InputColumn

INPUT_FIELDS = ("dataframe_split", "dataframe_records", "instances", "inputs")
OPTIONAL_FIELDS = frozenset({"params", "client_request_id", "usage_context"})

Rows = list[Any]


def _invalid_shape(detail: str) -> Exception:
    return bad_request(f"Invalid input. {detail}")


def select_input(body: Mapping[str, Any]) -> tuple[str, Any]:
    """Return ``(field, value)`` of the only input field; 400 ``BAD_REQUEST`` otherwise."""
    present = [k for k in INPUT_FIELDS if k in body]
    unknown = sorted(set(body) - set(INPUT_FIELDS) - OPTIONAL_FIELDS)
    if len(present) != 1 or unknown:
        raise _invalid_shape(
            "The input must be a JSON dictionary with exactly one of the input fields "
            "{'dataframe_split', 'dataframe_records', 'instances', 'inputs'}. "
            f"Received fields: {sorted(body)}."
        )
    if "params" in body and not isinstance(body["params"], dict):
        raise _invalid_shape("'params' must be a JSON object.")
    return present[0], body[present[0]]


def _records_from_split(value: Any) -> Rows:
    if not isinstance(value, dict) or not isinstance(value.get("data"), list):
        raise _invalid_shape("'dataframe_split' needs 'columns' and 'data' lists.")
    columns = value.get("columns")
    data = value["data"]
    if columns is None:
        return list(data)
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise _invalid_shape("'dataframe_split.columns' must be a list of strings.")
    rows: Rows = []
    for row in data:
        if not isinstance(row, list) or len(row) != len(columns):
            raise _invalid_shape(f"Every row of 'data' needs {len(columns)} values.")
        rows.append(dict(zip(columns, row, strict=True)))
    return rows


def _records_from_columns(value: Mapping[str, Any]) -> Rows:
    lengths = {len(v) for v in value.values() if isinstance(v, list)}
    if len(lengths) != 1 or not all(isinstance(v, list) for v in value.values()):
        raise _invalid_shape("Columnar 'inputs' need lists of equal length.")
    count = lengths.pop()
    return [{k: v[i] for k, v in value.items()} for i in range(count)]


def to_rows(field: str, value: Any) -> Rows:
    """Rows as dicts (named), lists (positional) or scalars, in request order."""
    if field == "dataframe_split":
        return _records_from_split(value)
    if field == "inputs" and isinstance(value, dict):
        return _records_from_columns(value)
    if not isinstance(value, list):
        raise _invalid_shape(f"'{field}' must be a list.")
    if field == "dataframe_records" and not all(isinstance(r, dict) for r in value):
        raise _invalid_shape("'dataframe_records' must be a list of objects.")
    return list(value)


def _compatible(value: Any, kind: str) -> bool:
    if isinstance(value, bool):
        return kind == "boolean"
    if kind in {"integer", "long"}:
        return isinstance(value, int)
    if kind in {"double", "float"}:
        return isinstance(value, int | float)
    if kind == "string":
        return isinstance(value, str)
    return False


def enforce_schema(rows: Rows, schema: Sequence[InputColumn]) -> list[dict[str, Any]]:
    """Named rows checked against the model signature (missing inputs, incompatible types)."""
    names = [c.name for c in schema]
    named: list[dict[str, Any]] = []
    for row in rows:
        if isinstance(row, list) and len(row) == len(schema):
            row = dict(zip(names, row, strict=True))
        if not isinstance(row, dict):
            raise bad_request(f"Model is missing inputs {names}.")
        missing = [n for n in names if n not in row]
        if missing:
            extra = sorted(set(row) - set(names))
            note = f" Note that there were extra inputs: {extra}." if extra else ""
            raise bad_request(f"Model is missing inputs {missing}.{note}")
        named.append(row)
    for column in schema:
        for row in named:
            if not _compatible(row[column.name], column.type):
                raise bad_request(
                    f"Incompatible input types for column {column.name}. "
                    f"Can not safely convert {type(row[column.name]).__name__} to {column.type}."
                )
    return named
