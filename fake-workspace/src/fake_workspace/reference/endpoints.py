"""Seeded serving endpoints, Lakebase instances, and the formulas their models compute."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from fake_workspace.reference.specs import (
    DatabaseInstanceDef,
    EndpointDef,
    InputColumn,
    ModelKind,
    PostgresEndpointDef,
)

FRAUD_DETECTOR = EndpointDef(
    name="fraud-detector",
    kind=ModelKind.FRAUD_SCORE,
    entity_name="main.ml.fraud_model",
    entity_version="3",
    input_schema=(
        InputColumn("amount", "double"),
        InputColumn("merchant_score", "double"),
        InputColumn("hour", "integer"),
    ),
    tags=(("team", "risk"),),
    endpoint_id="4f8a1c2e9b7d4e6f8a1c2e9b7d4e6f8a",
    description="Scores card transactions",
)
CHAT_ASSISTANT = EndpointDef(
    name="chat-assistant",
    kind=ModelKind.CHAT_ECHO,
    entity_name="system.ai.meta_llama_v3_3_70b_instruct",
    entity_version="1",
    task="llm/v1/chat",
    foundation_model="databricks-meta-llama-3-3-70b-instruct",
    endpoint_id="7c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f",
)
TEXT_EMBEDDER = EndpointDef(
    name="text-embedder",
    kind=ModelKind.EMBEDDING,
    entity_name="system.ai.gte_large_en_v1_5",
    entity_version="1",
    task="llm/v1/embeddings",
    foundation_model="databricks-gte-large-en",
    endpoint_id="1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d",
)
WARMING_UP = EndpointDef(
    name="warming-up",
    kind=ModelKind.FRAUD_SCORE,
    entity_name="main.ml.churn_model",
    entity_version="1",
    ready="NOT_READY",
    config_update="IN_PROGRESS",
    input_schema=FRAUD_DETECTOR.input_schema,
    endpoint_id="9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b",
)
MYSTERY_MODEL = EndpointDef(
    name="mystery-model",
    kind=ModelKind.UNTYPED_DOUBLE,
    entity_name="main.ml.mystery",
    entity_version="7",
    endpoint_id="0f1e2d3c4b5a69788796a5b4c3d2e1f0",
)
UNICODE_MODEL = EndpointDef(
    name="modèle-ü_v2",
    kind=ModelKind.PAIR_SUM,
    entity_name="main.ml.modele_u",
    entity_version="2",
    input_schema=(InputColumn("x", "double"), InputColumn("y", "double")),
    endpoint_id="5d4c3b2a19087f6e5d4c3b2a19087f6e",
)

ENDPOINTS: tuple[EndpointDef, ...] = (
    CHAT_ASSISTANT,
    FRAUD_DETECTOR,
    UNICODE_MODEL,
    MYSTERY_MODEL,
    TEXT_EMBEDDER,
    WARMING_UP,
)

# Lakebase Provisioned: the app's instance, and another one the app has no business with.
LAKEBASE = DatabaseInstanceDef(name="fake-lakebase", uid="7b1e5c9a-3d2f-4a8b-9c6e-1f0a2b3c4d5e")
OTHER_LAKEBASE = DatabaseInstanceDef(
    name="other-lakebase", uid="0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f"
)
DATABASE_INSTANCES: tuple[DatabaseInstanceDef, ...] = (LAKEBASE, OTHER_LAKEBASE)

# Lakebase Autoscaling: the app's read-write endpoint on the production branch, and the
# endpoint of a development branch of the same project.
LAKEBASE_ENDPOINT = PostgresEndpointDef(
    project="app-state",
    branch="production",
    endpoint_id="primary",
    uid="ep-3f6a1c2e-9b8d-4e7f-a0b1-c2d3e4f5a6b7",
)
OTHER_LAKEBASE_ENDPOINT = PostgresEndpointDef(
    project="app-state",
    branch="development",
    endpoint_id="primary",
    uid="ep-8e7d6c5b-4a39-4281-b0c9-d8e7f6a5b4c3",
    state="IDLE",
)
POSTGRES_ENDPOINTS: tuple[PostgresEndpointDef, ...] = (LAKEBASE_ENDPOINT, OTHER_LAKEBASE_ENDPOINT)

EMBEDDING_DIMENSIONS = 8


def fraud_score(amount: float, merchant_score: float, hour: int) -> float:
    """``fraud-detector`` (and ``warming-up`` once ready): one prediction per row."""
    return round(0.01 * amount + 0.5 * merchant_score + (0.1 if hour < 6 else 0.0), 6)


def pair_sum(x: float, y: float) -> float:
    """``modèle-ü_v2``: one prediction per row."""
    return round(x + y, 6)


def untyped_score(row: object) -> float:
    """``mystery-model``: the sum of the numeric cells of a row (a bare number counts as itself)."""
    if isinstance(row, Mapping):
        cells: list[object] = list(row.values())
    elif isinstance(row, list | tuple):
        cells = list(row)
    else:
        cells = [row]
    numbers = [float(c) for c in cells if isinstance(c, int | float) and not isinstance(c, bool)]
    return round(sum(numbers), 6)


def word_count(text: str) -> int:
    return len(text.split())


def chat_reply(last_user_message: str, max_tokens: int | None = None) -> tuple[str, str]:
    """``chat-assistant``: ``(content, finish_reason)`` for the last user message."""
    words = f"Echo: {last_user_message}".split()
    if max_tokens is not None and len(words) > max_tokens:
        return " ".join(words[:max_tokens]), "length"
    return " ".join(words), "stop"


def embedding(text: str) -> list[float]:
    """``text-embedder``: a deterministic vector in [-1, 1] derived from SHA-256 of the text."""
    digest = hashlib.sha256(text.encode()).digest()
    return [round(b / 127.5 - 1.0, 6) for b in digest[:EMBEDDING_DIMENSIONS]]
