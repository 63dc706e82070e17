"""Why a JSON value breaks a JSON Schema, in a sentence a caller can act on.

The app states some request rules once, as JSON Schema in its OpenAPI document
(`server.models.model_input_schema`), and checks requests against that same schema instead of
restating it by hand. The runtime has no JSON Schema library, and a general one's reasons ("3 is
not valid under any of the given schemas") would not help a caller anyway: this reads the few
keywords those schemas use (`KEYWORDS`; `readable` refuses a schema with any other) and words a
refusal from the failing subschema's `description`: "<where> must be <description>."
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Keywords about the value itself; a subschema with any of them says in `description` what the
# value must be. "properties", "additionalProperties" (false only) and "items" are about members.
_OWN_KEYWORDS = frozenset({"type", "enum", "minimum", "minItems", "required", "anyOf", "not"})
KEYWORDS = _OWN_KEYWORDS | {"properties", "additionalProperties", "items", "description"}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# The JSON types Python's own types tell apart ("number" and "integer" need more).
_PYTHON_TYPES: dict[str, type] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}


def _has_type(value: Any, name: str) -> bool:
    """JSON types as JSON Schema counts them: true is no number, and 2.0 is an integer."""
    if name == "number":
        return _is_number(value)
    if name == "integer":
        return _is_number(value) and (isinstance(value, int) or value.is_integer())
    return isinstance(value, _PYTHON_TYPES[name])


def _same(value: Any, constant: Any) -> bool:
    """JSON equality for an `enum` constant: 0 is not false, 1.0 is 1."""
    if _is_number(value) and _is_number(constant):
        return bool(value == constant)
    return type(value) is type(constant) and bool(value == constant)


def _fits_itself(value: Any, schema: Mapping[str, Any]) -> bool:
    """Whether `value` meets the keywords about itself (not those about its members)."""
    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else types
        if not any(_has_type(value, name) for name in names):
            return False
    if "enum" in schema and not any(_same(value, constant) for constant in schema["enum"]):
        return False
    if "minimum" in schema and _is_number(value) and value < schema["minimum"]:
        return False
    if "minItems" in schema and isinstance(value, list) and len(value) < schema["minItems"]:
        return False
    if isinstance(value, dict) and not set(schema.get("required", ())) <= set(value):
        return False
    if "anyOf" in schema and not any(_matches(value, option) for option in schema["anyOf"]):
        return False
    return not ("not" in schema and _matches(value, schema["not"]))


def _matches(value: Any, schema: Mapping[str, Any]) -> bool:
    return problem(value, schema, "") is None  # pragma: no mutate - no words, so no place


def problem(value: Any, schema: Mapping[str, Any], where: str) -> str | None:
    """Why `value`, found at `where` (a path such as `messages[0]`), breaks `schema`, or None.

    The value itself is judged first, then its members in the schema's order: the reason given
    is the first rule broken, at the deepest place it can be said.
    """
    if not _fits_itself(value, schema):
        return f"{where} must be {schema.get('description')}."  # None: an option, unworded
    if isinstance(value, dict):
        properties: Mapping[str, Any] = schema.get("properties", {})
        unexpected = sorted(set(value) - set(properties))
        if "additionalProperties" in schema and unexpected:
            return f"{where} has unexpected keys: {', '.join(unexpected)}."
        for name, member in properties.items():
            found = problem(value[name], member, f"{where}.{name}") if name in value else None
            if found is not None:
                return found
    if isinstance(value, list) and "items" in schema:
        for position, item in enumerate(value):
            found = problem(item, schema["items"], f"{where}[{position}]")
            if found is not None:
                return found
    return None


def readable(schema: Mapping[str, Any], *, worded: bool = True) -> Mapping[str, Any]:
    """`schema` itself, once it is known to use only the keywords read here, each subschema
    that can refuse a value with its `description` (not needed inside anyOf or not, whose
    options only match or not). A rule this module could not check fails at import, rather than
    letting every value through."""
    unknown = set(schema) - KEYWORDS
    if unknown:
        raise ValueError(f"JSON Schema keywords not checked here: {', '.join(sorted(unknown))}")
    if schema.get("additionalProperties", False) is not False:
        raise ValueError("additionalProperties is checked only as false")
    if worded and _OWN_KEYWORDS & set(schema) and "description" not in schema:
        raise ValueError(f"no description to word a refusal by: {dict(schema)}")
    members = list(schema.get("properties", {}).values())
    if "items" in schema:
        members.append(schema["items"])
    for member in members:
        readable(member, worded=worded)
    options = list(schema.get("anyOf", ()))
    if "not" in schema:
        options.append(schema["not"])
    for option in options:
        readable(option, worded=False)
    return schema
