"""Every declared constraint at its boundary, generated from the app's own OpenAPI document.

For each query or path parameter and each body field with a length, pattern, enum, range or
item count, the value just inside is accepted and the value just outside is refused with 400 in
the error envelope. Lengths and ranges are tried at both ends; a pattern at every character
where matching flips between two neighbouring code points below U+0100 (so a character class
changed by one character is caught on both sides). The model `inputs` object is left to
test_document.py, which checks its schema against the service's own check, value by value.

Because the document and the server's validation come from the same declaration, a constraint
changed in the code (`min_length=1` to 2) would move both: `CONSTRAINTS` in
tests/integration/routes.py is therefore the reviewed list of every constraint the document may
declare, and a document that declares
anything else fails here before a single request is sent. The two patterns that spell out
every Unicode letter and digit are named by their constants; tests/unit/test_document_patterns.py
holds their meaning, code point by code point, to the rule of the service that applies them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import httpx
import pytest

from fake_workspace.reference import ALICE
from tests.harness import auth
from tests.harness.settings import app_document
from tests.integration.expectations import assert_error
from tests.integration.routes import BY_KEY, CONSTRAINTS, ITEMS

pytestmark = pytest.mark.fake_only

DOCUMENT = app_document()
KEYWORDS = (
    "minLength",
    "maxLength",
    "pattern",
    "enum",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
)
# The refusals of a value the document rules out: pydantic's, and the services' own checks.
REFUSALS = {"INVALID_REQUEST", "INVALID_PREFERENCE"}


@dataclass(frozen=True)
class Field:
    """One constrained place in a request: a parameter, or a body field (`item` inside a list)."""

    method: str
    path: str
    where: str  # query, path or body
    name: str  # the parameter, or "Model.field" in the body
    constraint: tuple[tuple[str, Any], ...]
    body: str | None = None  # the body's model
    list_field: str | None = None  # the body's list holding the item with this field
    item: str | None = None  # that item's model

    @property
    def rule(self) -> dict[str, Any]:
        return dict(self.constraint)


def _component(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _plain(schema: dict[str, Any]) -> dict[str, Any]:
    """The constrained branch of an optional value (`anyOf: [X, null]`), with what the schema
    states beside the anyOf (which applies to that branch alone)."""
    branches = [b for b in schema.get("anyOf", [schema]) if b.get("type") != "null"]
    return {**schema, **branches[0]} if len(branches) == 1 else schema


def _constraint(schema: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    plain = _plain(schema)
    values = {k: plain[k] for k in KEYWORDS if k in plain}
    if "const" in plain:  # the discriminator of a one-operator shape: no choice to test
        return ()
    return tuple((k, int(v) if isinstance(v, float) else v) for k, v in sorted(values.items()))


def _body_fields(method: str, path: str, model: str) -> list[Field]:
    fields = []
    schemas = DOCUMENT["components"]["schemas"]
    for name, schema in schemas[model]["properties"].items():
        rule = _constraint(schema)
        if rule:
            fields.append(Field(method, path, "body", f"{model}.{name}", rule, body=model))
        items = schema.get("items", {})
        for ref in [b["$ref"] for b in items.get("oneOf", [items]) if "$ref" in b]:
            item = _component(ref)
            for item_field, item_schema in schemas[item]["properties"].items():
                item_rule = _constraint(item_schema)
                if item_rule:
                    fields.append(
                        Field(
                            method,
                            path,
                            "body",
                            f"{item}.{item_field}",
                            item_rule,
                            body=model,
                            list_field=name,
                            item=item,
                        )
                    )
    return fields


def constrained_fields() -> list[Field]:
    fields = []
    for path, path_item in DOCUMENT["paths"].items():
        for method, operation in path_item.items():
            for parameter in operation.get("parameters", []):
                rule = _constraint(parameter["schema"])
                if rule:
                    where, name = parameter["in"], parameter["name"]
                    fields.append(Field(method, path, where, name, rule))
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                fields.extend(_body_fields(method, path, _component(body["schema"]["$ref"])))
    return fields


FIELDS = constrained_fields()


def _flips(pattern: str) -> list[tuple[str, bool]]:
    """Each character below U+0100 next to one that the pattern treats the other way."""
    matches = [re.fullmatch(pattern, chr(c)) is not None for c in range(0x100)]
    edges: set[int] = set()
    for c in range(1, 0x100):
        if matches[c] != matches[c - 1]:
            edges.update((c - 1, c))
    return [(chr(c), matches[c]) for c in sorted(edges)]


def _filler(rule: dict[str, Any]) -> str:
    pattern = rule.get("pattern")
    return next(c for c in "aA0_" if pattern is None or re.fullmatch(pattern, c))


def boundary_values(rule: dict[str, Any], sample: Any) -> list[tuple[str, Any, bool]]:
    """(label, value, inside) just inside and just outside each of the rule's bounds."""
    values: list[tuple[str, Any, bool]] = []
    if "minLength" in rule or "maxLength" in rule:
        char = _filler(rule)
        low, high = rule.get("minLength", 0), rule["maxLength"]
        values += [(f"length {low}", char * low, True), (f"length {high}", char * high, True)]
        values.append((f"length {high + 1}", char * (high + 1), False))
        if low > 0:
            values.append((f"length {low - 1}", char * (low - 1), False))
    if "pattern" in rule:
        values += [(f"char U+{ord(c):04X}", c, inside) for c, inside in _flips(rule["pattern"])]
    if "minimum" in rule:
        values += [("minimum", rule["minimum"], True), ("below", rule["minimum"] - 1, False)]
    if "maximum" in rule:
        values += [("maximum", rule["maximum"], True), ("above", rule["maximum"] + 1, False)]
    if "enum" in rule:
        values += [(f"enum {v}", v, True) for v in rule["enum"]]
        values.append(("not in enum", f"{rule['enum'][0]}x", False))
    if "minItems" in rule or "maxItems" in rule:
        low, high = rule.get("minItems", 0), rule["maxItems"]
        values += [(f"{low} items", [sample] * low, True), (f"{high} items", [sample] * high, True)]
        values.append((f"{high + 1} items", [sample] * (high + 1), False))
        if low > 0:
            values.append((f"{low - 1} items", [sample] * (low - 1), False))
    return values


def _item_sample(field: Field) -> Any:
    """What a list this field constrains holds: valid items of its body, or a valid scalar."""
    if field.body is None or field.item is not None:
        return 1  # the values of an `in` filter
    schema = DOCUMENT["components"]["schemas"][field.body]["properties"][field.name.split(".")[1]]
    if "items" not in schema:
        return None  # not a list
    refs = [b["$ref"] for b in schema["items"].get("oneOf", [schema["items"]]) if "$ref" in b]
    return ITEMS[_component(refs[-1])]


def request_for(client: httpx.AsyncClient, field: Field, value: Any) -> httpx.Request:
    """The operation's valid request (its route's example, tests/integration/routes.py) with
    `value` in this field."""
    example = BY_KEY[(field.method, field.path)].example
    url = urlsplit(example.path)
    params: dict[str, Any] = dict(parse_qsl(url.query))
    path_values = _path_values(field.path, url.path)
    body = None
    if field.where == "query":
        params[field.name] = value
    elif field.where == "path":
        path_values[field.name] = value
    else:
        assert field.body is not None
        body = dict(example.body)
        attribute = field.name.split(".")[1]
        if field.item is None:
            body[attribute] = value
        else:
            assert field.list_field is not None
            body[field.list_field] = [{**ITEMS[field.item], attribute: value}]
    # quote leaves "." alone, and a path segment "." or ".." would be resolved away.
    path = field.path.format(
        **{k: quote(v, safe="").replace(".", "%2E") for k, v in path_values.items()}
    )
    return client.build_request(
        field.method.upper(),
        path,
        params=params,
        json=body,
        headers=auth(ALICE.token),
    )


def _path_values(template: str, path: str) -> dict[str, str]:
    """The values of `template`'s parameters in `path`, an instance of it."""
    pattern = re.sub(r"\\\{([^}]+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    match = re.fullmatch(pattern, path)
    assert match is not None, (template, path)
    return {name: unquote(value) for name, value in match.groupdict().items()}


def _cases() -> list[Any]:
    cases = []
    for field in FIELDS:
        for label, value, inside in boundary_values(field.rule, _item_sample(field)):
            verdict = "accepted" if inside else "refused"
            case_id = f"{field.method.upper()} {field.path} {field.where} {field.name} {label}"
            cases.append(pytest.param(field, value, inside, id=f"{case_id}: {verdict}"))
    return cases


def test_the_document_declares_exactly_the_promised_constraints() -> None:
    declared = {(f.where, f.name): f.rule for f in FIELDS}
    assert declared == CONSTRAINTS
    for field in FIELDS:  # the same rule wherever a name recurs
        assert field.rule == CONSTRAINTS[(field.where, field.name)], field


@pytest.mark.parametrize(("field", "value", "inside"), _cases())
async def test_a_value_at_a_boundary_is_accepted_inside_and_refused_outside(
    client: httpx.AsyncClient, field: Field, value: Any, inside: bool
) -> None:
    response = await client.send(request_for(client, field, value))

    refused = response.status_code == 400 and response.json()["error"]["code"] in REFUSALS
    if inside:
        assert not refused, response.text
    elif field.where == "path" and (value == "" or "/" in value):
        # No path segment carries it: the URL names no route, which is answered as such.
        assert_error(response, 404, "NOT_FOUND")
    else:
        assert refused, response.text
        assert_error(response, 400, response.json()["error"]["code"])
