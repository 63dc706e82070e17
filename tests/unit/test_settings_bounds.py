"""Every bounded setting at its bounds, as an operator sets it (an environment variable): the
value just inside starts the app, the value just outside stops it with a line naming the
variable. The bounds are pinned here: a bound moved in server/config.py (`le=120` to
`le=121`) fails, as a constraint of the API does in tests/integration/openapi/test_boundaries.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import annotated_types
import pytest

from server.config import ConfigurationError, Settings, get_settings

# The reviewed bounds of every setting that has any: (keyword, value), as Field declares them.
BOUNDS: dict[str, dict[str, float]] = {
    "pgport": {"ge": 1, "le": 65535},
    "lakebase_token_refresh_margin_seconds": {"ge": 0},
    "db_pool_size": {"ge": 1, "le": 100},
    "db_pool_timeout_seconds": {"gt": 0},
    "db_connect_timeout_seconds": {"ge": 1, "le": 120},
    "db_statement_timeout_seconds": {"ge": 0, "le": 3600},
    "db_lock_timeout_seconds": {"ge": 0, "le": 3600},
    "databricks_http_timeout_seconds": {"gt": 0, "le": 300},
    "databricks_retry_timeout_seconds": {"ge": 1, "le": 600},
    "databricks_max_concurrent_calls": {"ge": 1, "le": 512},
    "sql_wait_timeout_seconds": {"ge": 0, "le": 50},
    "query_timeout_seconds": {"gt": 0, "le": 3600},
    "query_poll_interval_seconds": {"gt": 0, "le": 30},
    "model_max_input_bytes": {"ge": 1},
    "model_retry_attempts": {"ge": 1, "le": 10},
    "model_retry_max_wait_seconds": {"ge": 0},
    "schema_cache_ttl_seconds": {"ge": 0},
    "inference_log_write_timeout_seconds": {"gt": 0, "le": 60},
    "max_body_bytes": {"ge": 1},
    "invoke_max_body_bytes": {"ge": 1},
    "identity_cache_ttl_seconds": {"ge": 0, "le": 60},
    "identity_cache_size": {"ge": 1, "le": 100_000},
}
_KINDS = (annotated_types.Ge, annotated_types.Gt, annotated_types.Le, annotated_types.Lt)


def declared_bounds() -> dict[str, dict[str, float]]:
    found: dict[str, dict[str, float]] = {}
    for name, field in Settings.model_fields.items():
        for item in field.metadata:
            if isinstance(item, _KINDS):
                keyword = type(item).__name__.lower()
                found.setdefault(name, {})[keyword] = getattr(item, keyword)
    return found


def _is_int(name: str) -> bool:
    return Settings.model_fields[name].annotation is int


def just_inside_and_outside(name: str) -> Iterator[tuple[str, float, bool]]:
    """(bound, value, accepted) at each bound: the bound itself or the nearest value past it."""
    step = 1 if _is_int(name) else None

    def beside(value: float, direction: float) -> float:
        return value + direction if step else math.nextafter(value, direction * math.inf)

    for keyword, bound in BOUNDS[name].items():
        below, above = beside(bound, -1), beside(bound, +1)
        yield from {
            "ge": [(keyword, bound, True), (keyword, below, False)],
            "gt": [(keyword, above, True), (keyword, bound, False)],
            "le": [(keyword, bound, True), (keyword, above, False)],
            "lt": [(keyword, below, True), (keyword, bound, False)],
        }[keyword]


CASES = [(name, *case) for name in BOUNDS for case in just_inside_and_outside(name)]


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """An environment with none of the app's variables set, and settings read afresh."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_every_bounded_setting_is_pinned_here() -> None:
    assert declared_bounds() == BOUNDS


@pytest.mark.parametrize(
    ("name", "keyword", "value", "accepted"),
    CASES,
    ids=[f"{n}-{k}-{v!r}-{'in' if a else 'out'}" for n, k, v, a in CASES],
)
def test_each_bound_takes_the_value_just_inside_and_refuses_the_one_outside(
    environment: pytest.MonkeyPatch, name: str, keyword: str, value: float, accepted: bool
) -> None:
    variable = name.upper()
    environment.setenv(variable, repr(value))

    if accepted:
        assert getattr(get_settings(), name) == value
    else:
        with pytest.raises(ConfigurationError, match=variable):
            get_settings()


def test_the_identity_cache_defaults(environment: pytest.MonkeyPatch) -> None:
    # A few seconds (docs/deploy.md: "3 (at most 60)") and room for 1024 tokens.
    settings = get_settings()
    assert settings.identity_cache_ttl_seconds == 3
    assert settings.identity_cache_size == 1024
