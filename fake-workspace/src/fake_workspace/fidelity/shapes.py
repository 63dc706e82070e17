"""The shape of a JSON answer: key paths with JSON types, and the values of enum fields.

A shape never holds a value, a token or user data: only key paths (``manifest.schema.
columns[].type_name``), their JSON types, and for the fields listed in ``ENUM_FIELDS`` the
enum-looking strings they carry (``LONG``, ``SUCCEEDED``). Keys of free-form maps
(``MAP_FIELDS``: a catalog's ``properties``, an error's ``metadata``) and of model outputs
are not recorded, only that a map is there, so a user's names cannot leak into a shape.
Hand-written because no library records "the schema an answer actually had" with enum
vocabularies and merges it across answers; genson infers JSON Schema but keeps no enum
values and would have to be post-processed into exactly this anyway.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fake_workspace.routes import match_route

ENUM_FIELDS = frozenset(
    {
        "state",
        "ready",
        "config_update",
        "type_name",
        "type_interval_type",
        "format",
        "catalog_type",
        "isolation_mode",
        "securable_type",
        "securable_kind",
        "table_type",
        "data_source_format",
        "error_code",
        "token_type",
        "task",
        "endpoint_type",
        "route_optimized",
        "@type",
        "disposition",
        "error",  # the OAuth endpoint's RFC 6749 code ("invalid_client")
        "type",  # SCIM: emails[].type, groups[].type
        "schemas",
        "current_state",
        "effective_capacity",
    }
)
"""Fields whose string values are a vocabulary (recorded) rather than data (never recorded)."""

MAP_FIELDS = frozenset(
    {"properties", "metadata", "tags", "custom_tags", "options", "environment_vars"}
)
"""Free-form maps: their keys are data, so only ``<field>{}`` and the value types are kept."""

OPAQUE_FIELDS = frozenset({"predictions", "choices", "data", "outputs", "paths", "components"})
"""Model inputs and outputs, OpenAPI documents: shaped by the model, recorded as one type."""

SHALLOW_ROUTES = {
    "/serving-endpoints/{name}/invocations": 1,
    "/api/2.0/serving-endpoints/{name}/openapi": 1,
}
"""Answers a model shapes (its outputs, its OpenAPI document): only their top-level keys."""

_ENUM_VALUE = re.compile(r"^[A-Za-z@][A-Za-z0-9_.:/@-]{0,80}$")


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


@dataclass
class Shape:
    """Key paths → JSON types, enum paths → values; ``merge`` unions two shapes."""

    paths: dict[str, set[str]] = field(default_factory=dict)
    enums: dict[str, set[str]] = field(default_factory=dict)

    def add_path(self, path: str, kind: str) -> None:
        self.paths.setdefault(path, set()).add(kind)

    def merge(self, other: Shape) -> Shape:
        for path, kinds in other.paths.items():
            self.paths.setdefault(path, set()).update(kinds)
        for path, values in other.enums.items():
            self.enums.setdefault(path, set()).update(values)
        return self

    def to_json(self) -> dict[str, Any]:
        return {
            "paths": {p: sorted(k) for p, k in sorted(self.paths.items())},
            "enums": {p: sorted(v) for p, v in sorted(self.enums.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Shape:
        return cls(
            {p: set(k) for p, k in data.get("paths", {}).items()},
            {p: set(v) for p, v in data.get("enums", {}).items()},
        )


def _walk(value: Any, path: str, name: str, shape: Shape, depth: int | None) -> None:
    kind = json_type(value)
    shape.add_path(path or "$", kind)
    if name in OPAQUE_FIELDS or depth == 0:
        return
    below = None if depth is None else depth - 1
    if kind == "object":
        if name in MAP_FIELDS:
            for item in value.values():
                _walk(item, f"{path}{{}}", "", shape, below)
            return
        for key, item in value.items():
            _walk(item, f"{path}.{key}" if path else key, key, shape, below)
    elif kind == "array":
        for item in value:
            _walk(item, f"{path}[]", name, shape, depth)
    elif kind == "string" and name in ENUM_FIELDS and _ENUM_VALUE.match(value):
        shape.enums.setdefault(path, set()).add(value)


def shape_of(document: Any, depth: int | None = None) -> Shape:
    """The shape of one decoded JSON document (``depth``: how many object levels to enter)."""
    shape = Shape()
    _walk(document, "", "", shape, depth)
    return shape


def shape_of_body(body: bytes, depth: int | None = None) -> Shape | None:
    """The shape of a response body, or None when it is empty or not JSON."""
    if not body.strip():
        return None
    try:
        return shape_of(json.loads(body), depth)
    except (ValueError, UnicodeDecodeError):
        return None


UNMATCHED = "<a route the fake does not model>"


def route_key(method: str, template: str, status: int) -> str:
    return f"{method} {template} {status}"


def template_of(method: str, path: str) -> str:
    """The fake's route template for a request path (ids and names are never recorded)."""
    match = match_route(method, path)
    return match.route.template if match else UNMATCHED


class ShapeBook:
    """Shapes by ``"METHOD /route/{template} STATUS"``, merged over every answer recorded."""

    def __init__(self, routes: Mapping[str, Shape] | None = None) -> None:
        self.routes: dict[str, Shape] = dict(routes or {})

    def add(self, method: str, path: str, status: int, body: bytes) -> None:
        """Record one answer to ``method path`` (a request path, turned into its template)."""
        template = template_of(method, path)
        shape = shape_of_body(body, SHALLOW_ROUTES.get(template) if status < 400 else None)
        if shape is not None:
            key = route_key(method, template, status)
            self.routes.setdefault(key, Shape()).merge(shape)

    def merge(self, other: ShapeBook) -> ShapeBook:
        for key, shape in other.routes.items():
            self.routes.setdefault(key, Shape()).merge(shape)
        return self

    def to_json(self) -> dict[str, Any]:
        return {key: self.routes[key].to_json() for key in sorted(self.routes)}

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=1, sort_keys=True) + "\n"

    @classmethod
    def loads(cls, text: str) -> ShapeBook:
        return cls({k: Shape.from_json(v) for k, v in json.loads(text).items()})

    @classmethod
    def union(cls, books: Iterable[ShapeBook]) -> ShapeBook:
        merged = cls()
        for book in books:
            merged.merge(book)
        return merged
