"""The facts recorded from real workspaces (`recordings/`, each file naming its source), as the
fidelity tests read them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RECORDINGS = Path(__file__).parent / "recordings"
STATEMENT_EXECUTION: dict[str, Any] = json.loads(
    (RECORDINGS / "statement_execution.json").read_text()
)
ERROR_SHAPE: dict[str, Any] = STATEMENT_EXECUTION["shapes"]["error 404"]
"""A real error body's shape: key paths with JSON types, and its detail types."""
ERROR_DETAIL_TYPES = frozenset(ERROR_SHAPE["enums"]["details[].@type"])
