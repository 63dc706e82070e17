"""Unity Catalog browsing and table queries (placeholder; being implemented)."""

from __future__ import annotations

from server.config import Settings
from server.workspace import WorkspaceGateway


class UnityCatalogService:
    def __init__(self, settings: Settings, gateway: WorkspaceGateway) -> None:
        self.settings = settings
        self.gateway = gateway
