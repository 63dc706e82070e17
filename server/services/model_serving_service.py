"""Model Serving discovery and invocation (placeholder; being implemented)."""

from __future__ import annotations

import httpx

from server.config import Settings
from server.services.schema_detection_service import SchemaDetectionService
from server.workspace import WorkspaceGateway


class ModelServingService:
    def __init__(
        self,
        settings: Settings,
        gateway: WorkspaceGateway,
        http_client: httpx.AsyncClient,
        schema_detection: SchemaDetectionService,
    ) -> None:
        self.settings = settings
        self.gateway = gateway
        self.http_client = http_client
        self.schema_detection = schema_detection
