"""API schemas for the caller's identity."""

from __future__ import annotations

from pydantic import BaseModel


class UserEmail(BaseModel):
    value: str
    primary: bool = False
    type: str | None = None


class UserInfo(BaseModel):
    user_name: str
    display_name: str | None = None
    active: bool
    emails: list[UserEmail]


class WorkspaceInfo(BaseModel):
    user: UserInfo
    workspace_host: str
    workspace_id: str | None = None


class AuthStatus(BaseModel):
    token_present: bool
    authenticated: bool
    user_name: str | None = None
    auth_source: str = "X-Forwarded-Access-Token"
