"""The inference log: one row per model invocation."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, UTCDateTime


class InferenceStatus(StrEnum):
    SUCCESS = "SUCCESS"
    ERROR = "ERROR"
    TIMEOUT = "TIMEOUT"


class ModelInference(Base):
    __tablename__ = "model_inferences"
    __table_args__ = (Index("ix_model_inferences_user_created", "user_name", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    user_name: Mapped[str] = mapped_column(String(255), nullable=False)
    endpoint_name: Mapped[str] = mapped_column(String(255), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    latency_ms: Mapped[float] = mapped_column(Float, nullable=False)
    input_bytes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class InferenceLogOut(BaseModel):
    request_id: str
    endpoint_name: str
    status: InferenceStatus
    latency_ms: float
    input_bytes: int
    error_message: str | None = None
    created_at: datetime
