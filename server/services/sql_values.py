"""Statement results as JSON: `data_array` strings converted to typed values per column."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from server.models.unity_catalog import QueryColumn
from server.services.sql_types import FLOAT_TYPES, INTEGER_TYPES, JSON_TYPES

logger = logging.getLogger(__name__)


def convert_value(type_name: str | None, raw: str | None) -> Any:
    """A JSON value for one `data_array` cell (always a string or null on the wire)."""
    if raw is None:
        return None
    # Any default naming no converted type is the same (the text is kept), hence the pragma.
    kind = (type_name or "STRING").upper()  # pragma: no mutate - equivalent defaults
    try:
        if kind in INTEGER_TYPES:
            return int(raw)
        if kind in FLOAT_TYPES:
            number = float(raw)
            # JSON has no NaN/Infinity: keep the text.
            return number if math.isfinite(number) else raw
        if kind == "BOOLEAN":
            return raw.strip().lower() == "true"
        if kind == "TIMESTAMP":
            parsed = datetime.fromisoformat(raw)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            # The same rendering as every other timestamp of the API: "...Z".
            return parsed.astimezone(UTC).isoformat().replace("+00:00", "Z")
        if kind in JSON_TYPES:
            return json.loads(raw)
    except ValueError:
        logger.warning("unexpected %s value in a statement result; kept as text", kind)
    # DECIMAL stays an exact decimal string; DATE, STRING and the rest are text already.
    return raw


def convert_rows(
    columns: Sequence[QueryColumn], data: Sequence[Sequence[str | None]]
) -> list[dict[str, Any]]:
    """Each `data_array` row as an object keyed by column name, with typed values."""
    return [
        {
            col.name: convert_value(col.type_name, cell)
            # strict=None or no strict= mean False too (equivalent); True is tested (a short row).
            for col, cell in zip(columns, raw, strict=False)  # pragma: no mutate - equivalents
        }
        for raw in data
    ]
