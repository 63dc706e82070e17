"""The one way the app turns values into JSON text: compact, UTF-8, strictly JSON."""

from __future__ import annotations

import json
from typing import Any


def canonical_json(value: Any) -> str:
    """Compact JSON keeping non-ASCII characters; ValueError for NaN or Infinity (not JSON)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def check_utf8(text: str) -> str:
    """`text` itself, or ValueError when it holds a lone surrogate (no UTF-8 encoding exists:
    it must be refused here rather than fail later on its way to a database or Databricks)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"contains a lone surrogate ({text[exc.start]!r}), which is not Unicode text"
        ) from exc
    return text


def json_depth(value: Any, *, stop_after: int) -> int:
    """How many arrays/objects are nested in `value` (a scalar is 0), counting no further than
    `stop_after` + 1. Iterative: values nested thousands deep must not exhaust the stack."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > stop_after:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth) for child in children)
    return deepest
