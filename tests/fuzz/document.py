"""The app's OpenAPI document as the fuzz tests load it into schemathesis, and their settings.

The per-operation test is collected from the document (schemathesis's pytest plugin makes one
test per operation, with its examples, coverage and fuzzing phases), so the document is read
without starting the app; the requests go to the app served over HTTP (`case.call(base_url=)`).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import schemathesis
from schemathesis.config import PositiveDataAcceptanceConfig

from fake_workspace.reference import ALICE
from server.deps import TOKEN_HEADER
from tests.integration.api import INVOKE, PREFS, QUERY

# What JSON Schema cannot state about a valid request; the fields' descriptions say it instead.
# For JSON Schema 2.0 is an integer; these fields take whole numbers written without a fraction
# (strict, as JSON true is not 1 either):
WHOLE_NUMBERS = {
    ("POST", INVOKE): {"timeout_seconds"},
    ("POST", QUERY): {"limit", "offset"},
}
# for a query, each filter and sort key names a column of the table with a value its type takes
# (the table decides: 400 INVALID_QUERY naming the column);
# and for an invocation, a dataframe_split row has one value per column, and the model itself
# decides which inputs it takes (its refusal is passed on as 400 INVALID_INPUT, with its status).
ROW_LENGTH_RULE = re.compile(r"dataframe_split\.data\[\d+\] has \d+ values for \d+ columns\.")
# positive_data_acceptance is told that these operations may answer 400, as its documentation
# says to mark such rules, and `test_api_fuzz.only_the_undeclarable_rules` holds every such 400
# to one of these rules and nothing else.
MARKED = sorted({*WHOLE_NUMBERS, ("POST", PREFS)})
DEFAULT_MAX_EXAMPLES = 300  # per operation and phase: >= 5,000 requests in all (README.md)
AUTH = {TOKEN_HEADER: ALICE.token}


class Options:
    """`--max-examples`, set by conftest.py's pytest_configure before the tests are collected."""

    max_examples: ClassVar[int] = DEFAULT_MAX_EXAMPLES


def config(base_url: str | None = None, *, negative: bool = False) -> schemathesis.Config:
    """Every request carries Alice's token; both directions are checked on boundary values.

    `negative`: the fuzzing phase alone, drawing only schema-violating requests (the coverage
    phase tries each constraint's boundary both ways; this draws further afield).
    """
    values: dict[str, Any] = {
        "headers": AUTH,
        "generation": {"max-examples": Options.max_examples},
        "phases": {
            # Every declared constraint at its boundary, valid and invalid: both checks judge them.
            "coverage": {"generation": {"mode": "all"}},
            # Valid requests only: the steering hooks (test_api_fuzz.py) mix reference data into
            # what is drawn, which would pass for schema-violating cases in a negative draw.
            "fuzzing": {"generation": {"mode": "positive"}},
        },
        "operations": [
            {
                "include-path": path,
                "include-method": method,
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": [
                            *PositiveDataAcceptanceConfig().expected_statuses,
                            "400",
                        ]
                    }
                },
            }
            for method, path in MARKED
        ],
    }
    if negative:
        values["phases"] = {
            "examples": {"enabled": False},
            "coverage": {"enabled": False},
            "stateful": {"enabled": False},
            "fuzzing": {"generation": {"mode": "negative"}},
        }
    if base_url is not None:
        values["base-url"] = base_url
    return schemathesis.Config.from_dict(values)


def load(document: dict[str, Any], base_url: str | None = None) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_dict(document, config=config(base_url))


def load_negative(document: dict[str, Any]) -> schemathesis.BaseSchema:
    """The document for the negative fuzzing phase (`config(negative=True)`)."""
    return schemathesis.openapi.from_dict(document, config=config(negative=True))
