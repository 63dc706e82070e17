"""Model serving state: the seeded endpoints, their (controllable) readiness, invocations.

Invoking an endpoint whose ``state.ready`` is ``NOT_READY`` answers **503**
``TEMPORARILY_UNAVAILABLE`` ("Endpoint 'x' is not ready ..."): the condition is transient
(a configuration update is in progress), so clients may retry, and the SDK does. The real
status for this case was not captured live; 503 was chosen over 400 for that reason.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from fake_workspace.errors import ApiError, not_found
from fake_workspace.model_runtime import invoke
from fake_workspace.openapi import openapi_document
from fake_workspace.reference import ENDPOINTS
from fake_workspace.reference.specs import EndpointDef


class ServingState:
    """Endpoints by name; ``set_state`` changes readiness for the current test only."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._seed = {e.name: e for e in ENDPOINTS}
        self._endpoints: dict[str, EndpointDef] = {}
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._endpoints = dict(self._seed)

    @property
    def endpoints(self) -> list[EndpointDef]:
        with self._lock:
            return sorted(self._endpoints.values(), key=lambda e: e.name)

    def get(self, name: str) -> EndpointDef:
        with self._lock:
            endpoint = self._endpoints.get(name)
        if endpoint is None:
            raise not_found(
                "RESOURCE_DOES_NOT_EXIST", f"Endpoint with name '{name}' does not exist."
            )
        return endpoint

    def set_state(self, name: str, *, ready: str, config_update: str = "NOT_UPDATING") -> None:
        """E.g. ``set_state("warming-up", ready="READY")`` once the "deployment" finished."""
        with self._lock:
            current = self.get(name)
            self._endpoints[name] = dataclasses.replace(
                current, ready=ready, config_update=config_update
            )

    def openapi(self, name: str, base_url: str) -> dict[str, Any]:
        endpoint = self.get(name)
        if endpoint.input_schema is None:
            raise not_found(
                "RESOURCE_DOES_NOT_EXIST",
                f"No OpenAPI schema is available for endpoint '{name}': "
                "its served model has no signature.",
            )
        return openapi_document(endpoint, base_url)

    def invoke(self, name: str, body: Any) -> tuple[dict[str, Any], dict[str, str]]:
        """Answer body and headers of one invocation."""
        endpoint = self.get(name)
        if endpoint.ready != "READY":
            raise ApiError(
                503,
                "TEMPORARILY_UNAVAILABLE",
                f"Endpoint '{name}' is not ready (config update {endpoint.config_update}). "
                "Please retry once the endpoint is READY.",
            )
        payload = invoke(endpoint, body)
        return payload, {"served-model-name": endpoint.served_entity_name}
