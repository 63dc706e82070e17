"""Hypothesis strategies that steer generated requests to the fake's reference data (catalogs,
schemas, tables, columns, endpoints, preference keys), so fuzzing reaches real rows and models
and not only 404s. Each is mixed with what schemathesis generates from the OpenAPI document."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from fake_workspace.reference import CATALOGS, ENDPOINTS, SCHEMAS, TABLES

PREFERENCE_KEYS = ("theme", "default_catalog", "default_schema", "default_query_limit", "ключ")
FILTER_OPS = ("=", "!=", "<", "<=", ">", ">=", "like", "in", "is_null", "not_null")

catalog_names = st.sampled_from([c.name for c in CATALOGS])
endpoint_names = st.sampled_from([e.name for e in ENDPOINTS])
preference_keys = st.sampled_from(PREFERENCE_KEYS)
schema_refs = st.sampled_from([(s.catalog, s.name) for s in SCHEMAS])
tables = st.sampled_from(sorted(TABLES.values(), key=lambda t: t.full_name))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)


def _filter(columns: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """A filter as the document describes it: the value each operator takes."""

    def build(column: str, op: str, value: Any, values: list[Any], text: str) -> dict[str, Any]:
        if op in ("is_null", "not_null"):
            return {"column": column, "op": op}
        if op == "in":
            return {"column": column, "op": op, "value": values}
        return {"column": column, "op": op, "value": text if op == "like" else value}

    non_null = scalars.filter(lambda v: v is not None)
    return st.builds(
        build,
        st.sampled_from(columns),
        st.sampled_from(FILTER_OPS),
        non_null,
        st.lists(non_null, min_size=1, max_size=4),
        st.text(max_size=12),
    )


@st.composite
def query_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A POST /api/unity-catalog/query body on a seeded table, with filters on its columns."""
    table = draw(tables)
    columns = [c.name for c in table.columns]
    body: dict[str, Any] = {"catalog": table.catalog, "schema": table.schema, "table": table.name}
    if draw(st.booleans()):
        body["limit"] = draw(st.integers(1, 50))
    body["filters"] = draw(st.lists(_filter(columns), max_size=3))
    orders = st.fixed_dictionaries(
        {"column": st.sampled_from(columns), "direction": st.sampled_from(["asc", "desc"])}
    )
    body["order_by"] = draw(st.lists(orders, max_size=2))
    return body


@st.composite
def query_params(draw: st.DrawFn) -> dict[str, Any]:
    table = draw(tables)
    params: dict[str, Any] = {"catalog": table.catalog, "schema": table.schema}
    params["table"] = table.name
    if draw(st.booleans()):
        params["limit"] = draw(st.integers(1, 50))
    return params


def invoke_bodies() -> st.SearchStrategy[dict[str, Any]]:
    """Bodies for the seeded endpoints: tabular rows for custom models, messages for chat."""
    rows = st.lists(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=3), min_size=1, max_size=3)
    tabular = st.fixed_dictionaries({"instances": rows})
    chat = st.fixed_dictionaries(
        {
            "messages": st.just([{"role": "user", "content": "hello there"}]),
            # 7.0 is an integer to JSON Schema, so the document promises it is taken.
            "max_tokens": st.one_of(st.integers(1, 20), st.integers(1, 20).map(float)),
        },
        optional={"stream": st.sampled_from([False, None])},
    )
    embed = st.fixed_dictionaries({"input": st.lists(st.text(min_size=1, max_size=8), min_size=1)})
    return st.fixed_dictionaries(
        {"endpoint_name": endpoint_names, "inputs": st.one_of(tabular, chat, embed)}
    )
