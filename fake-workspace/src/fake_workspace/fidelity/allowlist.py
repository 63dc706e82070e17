"""Differences the fidelity checks accept, each with the public source that shows it.

Only fields that real Databricks sends and the SDK's model (or the fake) lacks belong here:
an entry is (route template or ``*``, key path, why, source). Anything else the checks find
is a defect of the fake, to be fixed in the fake and pinned by a test.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Allowed:
    route: str
    """A route template such as ``/api/2.0/sql/statements``, or ``*`` for every route."""
    path: str
    """A key path as fidelity.shapes writes it (``details[].serving_data``)."""
    why: str
    source: str

    def covers(self, template: str, path: str) -> bool:
        return self.route in ("*", template) and (
            path == self.path or path.startswith(self.path + ".")
        )


_SECURABLE_KIND = (
    "a real table row carries securable_kind (TABLE_DELTA, TABLE_VIEW, ...); the SDK's "
    "TableInfo has only securable_kind_manifest, so from_dict drops it"
)
_SECURABLE_KIND_SOURCE = (
    "open-metadata/OpenMetadata@18723b0e, ingestion/tests/unit/topology/database/"
    "test_unitycatalog_delta_lake.py (REAL_LIST_ROWS, rows a real workspace listed)"
)

ALLOWED: tuple[Allowed, ...] = (
    Allowed(
        "/api/2.1/unity-catalog/tables/{full_name}",
        "securable_kind",
        _SECURABLE_KIND,
        _SECURABLE_KIND_SOURCE,
    ),
    Allowed(
        "/api/2.1/unity-catalog/tables",
        "tables[].securable_kind",
        _SECURABLE_KIND,
        _SECURABLE_KIND_SOURCE,
    ),
    Allowed(
        "*",
        "details[].serving_data",
        "every error's RequestInfo detail carries serving_data; the SDK's error parser keeps "
        "details as plain dictionaries, and the SDK's RequestInfo dataclass has no such field",
        "databricks/databricks-jdbc, src/test/resources/sqlexecapi (recorded 404 NOT_FOUND "
        "with a google.rpc.RequestInfo detail holding request_id and serving_data), Apache-2.0",
    ),
    Allowed(
        "/serving-endpoints/{name}/invocations",
        "choices[].finish_reason",
        "a chat endpoint answers in the OpenAI format, finish_reason in snake case; the SDK's "
        "V1ResponseChoiceElement spells it finishReason, so from_dict never sees it",
        "Databricks documentation, Foundation model REST API reference, chat response "
        "(docs.databricks.com/aws/en/machine-learning/foundation-model-apis/api-reference)",
    ),
    Allowed(
        "/serving-endpoints/{name}/invocations",
        "choices[].logprobs",
        "the OpenAI chat format sends logprobs (null unless requested); the SDK model drops a null",
        "Databricks documentation, Foundation model REST API reference, chat response "
        "(docs.databricks.com/aws/en/machine-learning/foundation-model-apis/api-reference)",
    ),
)


def allowed(template: str, path: str) -> Allowed | None:
    return next((a for a in ALLOWED if a.covers(template, path)), None)
