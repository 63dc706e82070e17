"""Liveness and readiness; no auth."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from server.deps import OptionalDatabaseDep
from server.errors import AppError, ErrorCode
from server.routers.responses import errors

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]
    database: str = Field(
        description="What the app stores its data in: sqlite, postgresql, "
        "lakebase-autoscaling or lakebase-provisioned."
    )


# HEAD too: monitors and load balancers probe with it (same status and headers, no body).
@router.get("/health", response_model=Health)
@router.head("/health", response_model=Health, operation_id="head_health")
async def read_health() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/ready", response_model=Readiness, responses=errors(503))
@router.head("/ready", response_model=Readiness, responses=errors(503), operation_id="head_ready")
async def read_readiness(database: OptionalDatabaseDep) -> Readiness:
    """Ready to serve: 503 names the failing dependency."""
    if database is None:
        raise AppError(
            ErrorCode.DATABASE_NOT_CONFIGURED,
            "Not ready: no database is configured (set DATABASE_URL or the Lakebase variables).",
            details={"dependency": "database"},
        )
    try:
        await database.ping()
    except AppError as exc:
        raise AppError(
            ErrorCode.DATABASE_UNAVAILABLE,
            "Not ready: the database is unavailable.",
            details={"dependency": "database"},
            retry_after=exc.retry_after,
        ) from exc
    return Readiness(status="ready", checks={"database": "ok"}, database=database.kind)
