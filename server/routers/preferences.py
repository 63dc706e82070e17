"""Preferences of the signed-in user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from server.deps import CurrentUserDep, SessionDep
from server.models.common import DEFAULT_PAGE_LIMIT, LimitParam, OffsetParam, Page
from server.models.user_preference import PREFERENCE_KEY_SCHEMA, PreferenceIn, PreferenceOut
from server.routers.responses import AUTHENTICATED, errors
from server.services.preference_service import PreferenceService

router = APIRouter(prefix="/api/lakebase", tags=["lakebase"], responses=AUTHENTICATED)

KeyPath = Annotated[
    str, Path(description="Preference key (URL-encoded)", json_schema_extra=PREFERENCE_KEY_SCHEMA)
]


async def get_service(session: SessionDep) -> PreferenceService:
    return PreferenceService(session)


ServiceDep = Annotated[PreferenceService, Depends(get_service)]


@router.get("/preferences", response_model=Page[PreferenceOut])
async def list_preferences(
    user: CurrentUserDep,
    service: ServiceDep,
    limit: LimitParam = DEFAULT_PAGE_LIMIT,
    offset: OffsetParam = 0,
) -> Page[PreferenceOut]:
    """The caller's preferences, ordered by key."""
    return await service.list(user.user_name, limit=limit, offset=offset)


@router.get("/preferences/{key}", response_model=PreferenceOut, responses=errors(404))
async def read_preference(user: CurrentUserDep, service: ServiceDep, key: KeyPath) -> PreferenceOut:
    """One preference of the caller."""
    return await service.get(user.user_name, key)


@router.post(
    "/preferences",
    response_model=PreferenceOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": PreferenceOut, "description": "Updated"}, **errors(413)},
)
async def save_preference(
    user: CurrentUserDep, service: ServiceDep, body: PreferenceIn, response: Response
) -> PreferenceOut:
    """Create (201) or update (200) a preference of the caller."""
    item, created = await service.upsert(user.user_name, body.key, body.value)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return item


@router.delete("/preferences/{key}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(404))
async def delete_preference(user: CurrentUserDep, service: ServiceDep, key: KeyPath) -> Response:
    """Delete a preference of the caller."""
    await service.delete(user.user_name, key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
