"""The signed-in user."""

from __future__ import annotations

from fastapi import APIRouter

from server.deps import AccessTokenDep, CurrentUserDep, UserServiceDep
from server.errors import AppError, ErrorCode
from server.models.user import AuthStatus, UserInfo, WorkspaceInfo
from server.routers.responses import AUTHENTICATED, errors

router = APIRouter(prefix="/api/user", tags=["user"])


@router.get("/auth/status", response_model=AuthStatus, responses=errors(502, 503))
async def read_auth_status(token: AccessTokenDep, users: UserServiceDep) -> AuthStatus:
    """Whether a user token came with the request, and whose it is. Needs no token."""
    if token is None:
        return AuthStatus(token_present=False, authenticated=False)
    try:
        user = await users.identify(token)
    except AppError as exc:
        if exc.code is ErrorCode.AUTH_INVALID:
            return AuthStatus(token_present=True, authenticated=False)
        raise
    return AuthStatus(token_present=True, authenticated=True, user_name=user.user_name)


@router.get("/me", response_model=UserInfo, responses=AUTHENTICATED)
async def read_me(user: CurrentUserDep, users: UserServiceDep) -> UserInfo:
    """The caller, as SCIM `Me` describes them."""
    return await users.me(user)


@router.get("/me/workspace", response_model=WorkspaceInfo, responses=AUTHENTICATED)
async def read_my_workspace(user: CurrentUserDep, users: UserServiceDep) -> WorkspaceInfo:
    """The caller plus the workspace host and id."""
    return await users.workspace(user)
