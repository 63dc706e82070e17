"""The fake's Unity Catalog, Model Serving and Lakebase answers carry every key a real workspace's
answer was recorded with, each of the recorded JSON type: `recordings/workspace_objects.json`
(databricks/cli acceptance outputs that run against real workspaces) and
`recordings/unity_catalog_tables.json` (table rows a real workspace listed, kept in another
project's tests). A single table's answer is judged against the keys of a listed row: both are
the same TableInfo object.

The SDK's round trip (test_sdk_models.py) cannot see an optional key that is absent, so a key
the fake drops is only found by comparing with a real answer. Keys the fake sends beyond the
recording are not judged here: the recordings are of one object each, and an optional field
(a comment) depends on the object.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from fake_workspace import FakeWorkspace, Route
from fake_workspace.fidelity.shapes import shape_of
from fake_workspace.reference import (
    CAROL,
    CATALOGS,
    FRAUD_DETECTOR,
    LAKEBASE_ENDPOINT,
    SCHEMAS,
    TABLES,
)
from tests.fidelity.conftest import Tally
from tests.harness.http import bearer

RECORDINGS = Path(__file__).parent / "recordings"
RECORDED: dict[str, Any] = {
    name: shape
    for file in ("workspace_objects.json", "unity_catalog_tables.json")
    for name, shape in json.loads((RECORDINGS / file).read_text())["shapes"].items()
}
ROW = "tables[]"
RECORDED["table"] = {
    "paths": {
        (path.removeprefix(ROW + ".") if path != ROW else "$"): kinds
        for path, kinds in RECORDED["tables listing"]["paths"].items()
        if path == ROW or path.startswith(ROW + ".")
    }
}
"""A listed row's keys, as the keys a single table's answer must carry."""
# The recorded rows are managed Delta tables and a view; a Delta Sharing table is another kind.
SHARED = {c.name for c in CATALOGS if c.catalog_type == "DELTASHARING_CATALOG"}
JUDGED_TABLES = sorted(name for name, table in TABLES.items() if table.catalog not in SHARED)
UC = "/api/2.1/unity-catalog"
# What the fake answers to the call each recording is of: (route, path asked).
CALLS = {
    "schema": [
        (Route.SCHEMAS_GET, f"/api/2.1/unity-catalog/schemas/{schema.full_name}")
        for schema in SCHEMAS
    ],
    "serving endpoint": [
        (Route.SERVING_GET, f"/api/2.0/serving-endpoints/{FRAUD_DETECTOR.name}"),
    ],
    "lakebase endpoint": [
        (Route.POSTGRES_RESOURCE, f"/api/2.0/postgres/{LAKEBASE_ENDPOINT.name}"),
    ],
    "tables listing": [
        (Route.TABLES_LIST, f"{UC}/tables?catalog_name={catalog}&schema_name={schema}")
        for catalog, schema in sorted(
            {(TABLES[n].catalog, TABLES[n].schema) for n in JUDGED_TABLES}
        )
    ],
    "table": [(Route.TABLES_GET, f"{UC}/tables/{name}") for name in JUDGED_TABLES],
}
CASES = [(recorded, route, path) for recorded, calls in CALLS.items() for route, path in calls]


def missing_or_retyped(recorded: dict[str, list[str]], answer: Any) -> list[str]:
    """Each recorded key path the answer lacks, or holds with a type never recorded there."""
    ours = shape_of(answer).paths
    return sorted(
        f"{path}: {sorted(ours[path]) if path in ours else 'missing'}, recorded {kinds}"
        for path, kinds in recorded.items()
        if path not in ours or set(ours[path]) - set(kinds)
    )


def test_every_recording_is_judged() -> None:
    assert set(CALLS) == set(RECORDED)


@pytest.mark.parametrize(("recorded", "route", "path"), CASES, ids=[c[2] for c in CASES])
def test_the_answer_carries_every_recorded_key(
    fake: FakeWorkspace,
    http: httpx.Client,
    tally: Tally,
    recorded: str,
    route: Route,
    path: str,
) -> None:
    response = http.get(path, headers=bearer(CAROL))  # the metastore admin reads them all
    assert response.status_code == 200, response.text
    assert missing_or_retyped(RECORDED[recorded]["paths"], response.json()) == []
    tally.recording(route, f"{recorded} {path}")
