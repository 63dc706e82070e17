"""Pure JSON Schema helpers: an OpenAPI document's request schema, and example bodies from it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from server.models.model_input_schema import TABULAR_FORMATS

_MAX_DEPTH = 24


# --- OpenAPI -------------------------------------------------------------------------------


def _pointer(document: Mapping[str, Any], ref: str) -> Any:
    node: Any = document
    for raw in ref[2:].split("/") if ref != "#" else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def resolve_refs(node: Any, document: Mapping[str, Any], _seen: tuple[str, ...] = ()) -> Any:
    """`node` with every local `$ref` replaced by its target (cycles and dangling refs → {})."""
    if len(_seen) > _MAX_DEPTH:
        return {}
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str):
            target = _pointer(document, ref) if ref.startswith("#") else None
            if ref in _seen or not isinstance(target, Mapping):
                return {}
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            merged = {**target, **siblings}
            return resolve_refs(merged, document, (*_seen, ref))
        return {k: resolve_refs(v, document, _seen) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve_refs(item, document, _seen) for item in node]
    return node


def extract_request_schema(document: Any) -> dict[str, Any] | None:
    """The JSON request-body schema of an OpenAPI document's invocations path, refs resolved."""
    if not isinstance(document, Mapping):
        return None
    paths = document.get("paths")
    if not isinstance(paths, Mapping):
        return None
    candidates = [p for p in paths if isinstance(p, str) and p.rstrip("/").endswith("invocations")]
    candidates.sort(key=lambda p: p.rstrip("/") != "/invocations")  # the endpoint-level one first
    for path in candidates:
        operation = resolve_refs(paths[path], document)
        post = operation.get("post") if isinstance(operation, Mapping) else None
        body = post.get("requestBody") if isinstance(post, Mapping) else None
        content = body.get("content") if isinstance(body, Mapping) else None
        if not isinstance(content, Mapping):
            continue
        media = content.get("application/json")
        if media is None:
            media = next((v for k, v in content.items() if "json" in str(k)), None)
        schema = media.get("schema") if isinstance(media, Mapping) else None
        if isinstance(schema, dict) and schema:
            return schema
    return None


# --- Examples --------------------------------------------------------------------------------


def _first_type(schema: Mapping[str, Any]) -> str | None:
    declared = schema.get("type")
    if isinstance(declared, list):
        declared = next((t for t in declared if t != "null"), None)
    if isinstance(declared, str):
        return declared
    if "properties" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    return None


def _explicit(schema: Mapping[str, Any]) -> tuple[bool, Any]:
    """A value the schema itself proposes: const, example(s), default or the first enum value."""
    for key in ("const", "example", "default"):
        if key in schema:
            return True, schema[key]
    for key in ("examples", "enum"):
        values = schema.get(key)
        if isinstance(values, list) and values:
            return True, values[0]
    return False, None


def _branches(schema: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    for key in ("oneOf", "anyOf"):
        options = schema.get(key)
        if isinstance(options, list):
            found = [o for o in options if isinstance(o, Mapping) and _first_type(o) != "null"]
            if found:
                return found
    return [schema]


def _merge_all_of(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    parts = schema.get("allOf")
    if not isinstance(parts, list):
        return schema
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    properties: dict[str, Any] = dict(merged.get("properties") or {})
    required: list[Any] = list(merged.get("required") or [])
    for part in parts:
        if isinstance(part, Mapping):
            part = _merge_all_of(part)
            properties.update(part.get("properties") or {})
            required.extend(part.get("required") or [])
            merged.update({k: v for k, v in part.items() if k not in ("properties", "required")})
    if properties:
        merged["properties"] = properties
    if required:
        merged["required"] = required
    return merged


def _number(schema: Mapping[str, Any], fallback: float) -> float:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    value = fallback
    if isinstance(low, int | float) and value < low:
        value = float(low) + (
            1.0 if "exclusiveMinimum" in schema and "minimum" not in schema else 0
        )
    if isinstance(high, int | float) and value > high:
        value = float(high)
    return value


_STRING_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00",
    "email": "user@example.com",
    "uuid": "00000000-0000-0000-0000-000000000000",
    "uri": "https://example.com",
    "binary": "",
    "byte": "",
}


def sample_value(schema: Any, _depth: int = 0) -> Any:
    """A value of the type `schema` describes (JSON Schema subset; refs already resolved)."""
    if not isinstance(schema, Mapping) or _depth > _MAX_DEPTH:
        return None
    schema = _merge_all_of(schema)
    found, value = _explicit(schema)
    if found:
        return value
    branches = _branches(schema)
    if branches[0] is not schema:
        return sample_value(branches[0], _depth + 1)
    kind = _first_type(schema)
    if kind == "object":
        return _sample_object(schema, _depth)
    if kind == "array":
        return _sample_array(schema, _depth)
    if kind == "integer":
        return int(_number(schema, 1))
    if kind == "number":
        return _number(schema, 1.0)
    if kind == "boolean":
        return True
    if kind == "string":
        return _STRING_FORMATS.get(str(schema.get("format")), "text")
    return None


def _sample_object(schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return {}
    required = [k for k in schema.get("required") or [] if k in properties]
    names = required or list(properties)
    return {name: sample_value(properties[name], depth + 1) for name in names}


def _sample_array(schema: Mapping[str, Any], depth: int) -> list[Any]:
    prefix = schema.get("prefixItems")
    if isinstance(prefix, list):
        return [sample_value(item, depth + 1) for item in prefix]
    items = schema.get("items")
    if isinstance(items, list):  # draft-4 tuple form
        return [sample_value(item, depth + 1) for item in items]
    if isinstance(items, Mapping):
        return [sample_value(items, depth + 1)]
    return []


def _column_names(columns: Any) -> list[str] | None:
    """The column names a dataframe_split `columns` schema fixes, if it fixes them."""
    if not isinstance(columns, Mapping):
        return None
    found, value = _explicit(columns)
    if found and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    items = columns.get("items")
    if isinstance(items, Mapping):
        enum = items.get("enum")
        if isinstance(enum, list) and enum and all(isinstance(v, str) for v in enum):
            return list(enum)
    prefix = columns.get("prefixItems", items if isinstance(items, list) else None)
    if isinstance(prefix, list) and prefix:
        names = [sample_value(p) for p in prefix]
        if all(isinstance(n, str) for n in names):
            return names
    return None


def _column_types(
    data: Any, names: Sequence[str], records_item: Mapping[str, Any] | None
) -> list[Any]:
    """One schema per column: from the row's prefixItems, a shared item schema, or the records."""
    row = data.get("items") if isinstance(data, Mapping) else None
    if isinstance(row, Mapping):
        prefix = row.get("prefixItems", row.get("items"))
        if isinstance(prefix, list) and len(prefix) == len(names):
            return list(prefix)
    by_name = records_item.get("properties") if isinstance(records_item, Mapping) else None
    if isinstance(by_name, Mapping) and all(n in by_name for n in names):
        return [by_name[n] for n in names]
    if isinstance(row, Mapping) and isinstance(row.get("items"), Mapping):
        return [row["items"]] * len(names)
    return [{}] * len(names)


def _format_property(branch: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    properties = _merge_all_of(branch).get("properties")
    if isinstance(properties, Mapping) and isinstance(properties.get(name), Mapping):
        found: Mapping[str, Any] = properties[name]
        return found
    return None


def _dataframe_split_example(
    split: Mapping[str, Any], records: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    found, explicit = _explicit(split)
    if found and isinstance(explicit, Mapping):
        return {"dataframe_split": dict(explicit)}
    properties = _merge_all_of(split).get("properties")
    if not isinstance(properties, Mapping):
        return None
    names = _column_names(properties.get("columns"))
    if names is None:
        return None
    records_item = records.get("items") if isinstance(records, Mapping) else None
    types = _column_types(properties.get("data"), names, records_item)
    row = [sample_value(t) for t in types]
    return {"dataframe_split": {"columns": names, "data": [row]}}


def example_from_schema(schema: Any) -> dict[str, Any] | None:
    """A ready-to-send request body for `schema`: one typed row for tabular formats, else a
    sample of the first alternative; None when the schema says too little."""
    if not isinstance(schema, Mapping):
        return None
    branches = _branches(_merge_all_of(schema))
    formats: dict[str, Mapping[str, Any]] = {}
    for branch in branches:
        for name in TABULAR_FORMATS:
            prop = _format_property(branch, name)
            if prop is not None:
                formats.setdefault(name, prop)
    if "dataframe_split" in formats:
        split = _dataframe_split_example(
            formats["dataframe_split"], formats.get("dataframe_records")
        )
        if split is not None:
            return split
    if "dataframe_records" in formats:
        return {"dataframe_records": _sample_array(formats["dataframe_records"], 0)}
    for branch in branches:
        value = sample_value(branch)
        if isinstance(value, dict) and value:
            return value
    return None
