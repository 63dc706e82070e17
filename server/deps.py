"""Request dependencies as `Annotated` aliases; handlers just declare what they need.

All are `async def`: a plain `def` dependency would take a worker thread from the pool the
SDK calls use, and a slow workspace could then stall routes that never call it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.database import Database
from server.errors import AppError, ErrorCode
from server.observability import set_user_name
from server.services.model_serving_service import ModelServingService
from server.services.unity_catalog_service import UnityCatalogService
from server.services.user_service import CurrentUser, UserService

TOKEN_HEADER = "X-Forwarded-Access-Token"


async def get_user_service(request: Request) -> UserService:
    service: UserService = request.app.state.user_service
    return service


async def get_unity_catalog_service(request: Request) -> UnityCatalogService:
    service: UnityCatalogService = request.app.state.unity_catalog
    return service


async def get_model_serving_service(request: Request) -> ModelServingService:
    service: ModelServingService = request.app.state.model_serving
    return service


async def get_optional_database(request: Request) -> Database | None:
    database: Database | None = request.app.state.database
    return database


def require_database(database: Database | None) -> Database:
    """The database, or 503 DATABASE_NOT_CONFIGURED when the app has none."""
    if database is None:
        raise AppError(
            ErrorCode.DATABASE_NOT_CONFIGURED,
            "No database is configured: set DATABASE_URL or add a Lakebase resource to the app.",
        )
    return database


def access_token(raw: str | None) -> str | None:
    return raw.strip() if raw and raw.strip() else None


async def get_access_token(
    token: Annotated[
        str | None,
        Header(
            alias=TOKEN_HEADER,
            description="The user's token, added by the Databricks Apps proxy",
            include_in_schema=False,
        ),
    ] = None,
) -> str | None:
    return access_token(token)


async def get_current_user(request: Request) -> CurrentUser:
    """The caller, identified by their token (briefly cached by UserService). Reads the header
    and the service from the request itself rather than from two more dependencies: every
    dependency is solved anew on every request, and this one is on nearly all of them."""
    token = access_token(request.headers.get(TOKEN_HEADER))
    if token is None:
        raise AppError(
            ErrorCode.AUTH_MISSING,
            f"Sign in through Databricks Apps: the {TOKEN_HEADER} header is missing.",
        )
    users: UserService = request.app.state.user_service
    user = await users.identify(token)
    set_user_name(user.user_name)
    return user


async def get_session(
    request: Request, _caller: Annotated[CurrentUser, Depends(get_current_user)]
) -> AsyncIterator[AsyncSession]:
    """The request's one session. Every route that takes it does its work in one statement (an
    upsert, a delete, a page with its count), so on PostgreSQL each statement commits by itself
    (`Database.session(autocommit=True)`): no BEGIN and COMMIT round trips; elsewhere one
    transaction, committed when the route returns and rolled back when it raises. An outage (at
    any point, the commit included) is 503 DATABASE_UNAVAILABLE. PostgreSQL's statement and lock
    timeouts, set on every new connection by the engine (`server/db/engine.py`), bound each
    statement. A route needing several statements in one transaction opens
    `Database.session()` itself.

    Opened only once the caller is identified, so a refused token never reaches the database
    and no connection (on in-memory SQLite: the only one) waits on the identity check.
    """
    database = require_database(request.app.state.database)
    async with database.session(autocommit=True) as session:
        yield session


UserServiceDep = Annotated[UserService, Depends(get_user_service)]
UnityCatalogServiceDep = Annotated[UnityCatalogService, Depends(get_unity_catalog_service)]
ModelServingServiceDep = Annotated[ModelServingService, Depends(get_model_serving_service)]
OptionalDatabaseDep = Annotated[Database | None, Depends(get_optional_database)]
AccessTokenDep = Annotated[str | None, Depends(get_access_token)]
CurrentUserDep = Annotated[CurrentUser, Depends(get_current_user)]
# scope="function": the transaction ends before the answer is sent, so a commit that fails is
# the 503 the client gets rather than a success for a write that was never kept.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
