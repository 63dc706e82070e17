"""User preferences: the table and its API schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, UTCDateTime
from server.models.text_patterns import PREFERENCE_KEY_PATTERN

PREFERENCE_KEY_MAX_LENGTH = 128
PREFERENCE_VALUE_MAX_BYTES = 64 * 1024
# Arrays/objects inside one another; far below what rendering a response can take (~250).
PREFERENCE_VALUE_MAX_DEPTH = 64
# The key rule `preference_service.key_problem` enforces (INVALID_PREFERENCE, naming the character),
# as JSON Schema for the document: stated, not checked by pydantic; the pattern spells the
# letters and digits out, so that ECMA-262 reads it as Python does (`text_patterns`).
PREFERENCE_KEY_SCHEMA: dict[str, Any] = {
    "minLength": 1,
    "maxLength": PREFERENCE_KEY_MAX_LENGTH,
    "pattern": PREFERENCE_KEY_PATTERN,
}


class UserPreference(Base):
    """One key/value per user; the value is JSON text, so a damaged row is reported, not fatal."""

    __tablename__ = "user_preferences"
    __table_args__ = (UniqueConstraint("user_name", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_name: Mapped[str] = mapped_column(String(255), nullable=False)
    key: Mapped[str] = mapped_column(String(PREFERENCE_KEY_MAX_LENGTH), nullable=False)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class PreferenceIn(BaseModel):
    """Body of POST /api/lakebase/preferences; the key is checked by the service."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(
        description="1-128 Unicode letters, digits and _ . - :",
        json_schema_extra=PREFERENCE_KEY_SCHEMA,
    )
    value: Any = Field(
        description=(
            "Any JSON value up to 64 KiB once encoded, with arrays/objects nested at most "
            f"{PREFERENCE_VALUE_MAX_DEPTH} deep"
        )
    )


class PreferenceOut(BaseModel):
    key: str
    value: Any = None
    created_at: datetime
    updated_at: datetime
    corrupted: bool = Field(
        default=False,
        description="True when the stored value no longer decodes as JSON or is nested too deep",
    )
