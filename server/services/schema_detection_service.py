"""Serving endpoint input-schema detection (placeholder; being implemented)."""

from __future__ import annotations

from server.config import Settings
from server.workspace import WorkspaceGateway


class SchemaDetectionService:
    def __init__(self, settings: Settings, gateway: WorkspaceGateway) -> None:
        self.settings = settings
        self.gateway = gateway
