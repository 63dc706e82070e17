"""Who the caller is, according to SCIM `Me` for their own token (briefly cached)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cachetools import TTLCache
from databricks.sdk import WorkspaceClient

from server.config import Settings
from server.errors import AppError, ErrorCode
from server.models.user import UserEmail, UserInfo, WorkspaceInfo
from server.workspace import WorkspaceGateway, token_fingerprint


@dataclass(frozen=True)
class CurrentUser:
    """The authenticated caller; the token is for OBO calls and never printed."""

    user_name: str
    info: UserInfo
    token: str = field(repr=False)


def _user_info(client: WorkspaceClient) -> UserInfo:
    me = client.current_user.me()
    if not me.user_name:
        raise AppError(ErrorCode.AUTH_INVALID, "The token does not belong to a user.")
    return UserInfo(
        user_name=me.user_name,
        display_name=me.display_name,
        active=bool(me.active) if me.active is not None else True,
        emails=[
            UserEmail(value=e.value, primary=bool(e.primary), type=e.type)
            for e in (me.emails or [])
            if e.value
        ],
    )


class UserService:
    """Identifies callers; caches the answer per token fingerprint for a short, bounded time."""

    def __init__(
        self,
        gateway: WorkspaceGateway,
        settings: Settings,
        *,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        """`timer` is the monotonic clock the cache lifetime is measured with."""
        self.gateway = gateway
        self.settings = settings
        self._cache: TTLCache[str, UserInfo] = TTLCache(
            maxsize=settings.identity_cache_size,
            ttl=settings.identity_cache_ttl_seconds,
            timer=timer,
        )

    async def _scim_me(self, token: str) -> UserInfo:
        # Workspaces refuse a bad token on SCIM Me with 401, and some with 403 "Invalid access
        # token": both mean the caller is not authenticated.
        return await self.gateway.call(
            token, _user_info, permission_denied=ErrorCode.AUTH_INVALID, subject="user"
        )

    async def identify(self, token: str) -> CurrentUser:
        key = token_fingerprint(token)
        info = self._cache.get(key) if self.settings.identity_cache_ttl_seconds > 0 else None
        if info is None:
            info = await self._scim_me(token)
            if self.settings.identity_cache_ttl_seconds > 0:
                self._cache[key] = info
        return CurrentUser(user_name=info.user_name, info=info, token=token)

    async def me(self, user: CurrentUser) -> UserInfo:
        """Fresh from SCIM, not the cache: this is the endpoint that shows the profile."""
        return await self._scim_me(user.token)

    async def workspace(self, user: CurrentUser) -> WorkspaceInfo:
        info = await self.me(user)
        workspace_id = self.settings.databricks_workspace_id
        if workspace_id is None:
            workspace_id = await self.gateway.call(
                user.token, lambda c: str(c.get_workspace_id()), subject="workspace"
            )
        return WorkspaceInfo(user=info, workspace_host=self.gateway.host, workspace_id=workspace_id)
