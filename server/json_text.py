"""The one way the app turns values into JSON text: compact, UTF-8, strictly JSON."""

from __future__ import annotations

import json
from typing import Any


def canonical_json(value: Any) -> str:
    """Compact JSON keeping non-ASCII characters; ValueError for NaN or Infinity (not JSON)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
