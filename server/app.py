"""Build the FastAPI app: `create_app(settings)` for tests and tools, `app` for uvicorn."""

from __future__ import annotations

import functools
import logging
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import certifi
import httpx
from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from server.clock import Clock, SystemClock
from server.config import ConfigurationError, Settings, get_settings
from server.db.database import Database
from server.db.runtime import build_database
from server.errors import install_error_handlers
from server.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from server.observability import configure_logging
from server.openapi import install_openapi
from server.routers import health, model_serving, preferences, unity_catalog, user
from server.services.model_serving_service import ModelServingService
from server.services.schema_detection_service import SchemaDetectionService
from server.services.unity_catalog_service import UnityCatalogService
from server.services.user_service import UserService
from server.workspace import WorkspaceGateway

logger = logging.getLogger(__name__)

INVOKE_PATH = "/api/model-serving/invoke"
DOCS_ASSETS_PATH = "/docs-assets"
# How long the model-serving client keeps an idle connection (see the client in `lifespan`).
KEEPALIVE_SECONDS = 2.0


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """The app for `settings` (default: from the environment).

    `database` lets a caller (the test harness) share an already-migrated database between
    apps; otherwise the lifespan builds one from the settings, migrates it and disposes it.
    `clock` is what every wait and time reading goes through (default: the real one).
    """
    settings = settings or get_settings()
    clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level)
        db = database if database is not None else build_database(settings, clock)
        if db is not None and database is None and settings.run_migrations_on_startup:
            try:
                await db.migrate_or_defer()
            except BaseException:
                await db.dispose()  # a start-up that fails leaves no connection open behind it
                raise
        gateway = WorkspaceGateway(settings, clock)
        http_client = httpx.AsyncClient(
            # Per-request timeouts are set by the caller; this is only the ceiling for connects.
            timeout=httpx.Timeout(settings.databricks_http_timeout_seconds),
            # An idle connection is dropped well before a server would close it (uvicorn after
            # 5 s, like httpx's own default): reusing one the server is closing at that moment
            # fails with a ReadError, a 503 on a model call that never faltered (`nox -s soak`).
            limits=httpx.Limits(keepalive_expiry=KEEPALIVE_SECONDS),
            follow_redirects=False,
            verify=tls_context(),
        )
        schema_detection = SchemaDetectionService(settings, gateway, clock)
        app.state.settings = settings
        app.state.clock = clock
        app.state.database = db
        app.state.gateway = gateway
        app.state.http_client = http_client
        app.state.user_service = UserService(gateway, settings, clock)
        app.state.unity_catalog = UnityCatalogService(settings, gateway, clock)
        app.state.schema_detection = schema_detection
        app.state.model_serving = ModelServingService(
            settings, gateway, http_client, schema_detection, clock
        )
        logger.info(
            "app started",
            extra={"database": db.kind if db else "none", "host": settings.databricks_host},
        )
        try:
            yield
        finally:
            await http_client.aclose()
            if db is not None and database is None:  # a borrowed database stays open
                await db.dispose()

    # /docs and /redoc load Swagger UI and ReDoc from the app itself (fastapi-offline ships
    # them, under DOCS_ASSETS_PATH), not from a CDN: the pages work where the app has no internet.
    app = FastAPIOffline(
        static_url=DOCS_ASSETS_PATH,
        title="Databricks App backend",
        version="0.1.0",
        description="Lakebase preferences, Unity Catalog and Model Serving on behalf of the user.",
        lifespan=lifespan,
        # A path with a trailing slash is a 404, not a redirect whose Location is built from the
        # Host header (and which would leave the error envelope).
        redirect_slashes=False,
    )
    install_error_handlers(app)
    app.add_middleware(
        BodySizeLimitMiddleware,
        default_limit=settings.max_body_bytes,
        limits={INVOKE_PATH: settings.invoke_max_body_bytes},
    )
    # Added last, so it wraps everything: every answer carries the correlation id.
    app.add_middleware(RequestContextMiddleware, clock=clock)
    for module in (health, user, preferences, unity_catalog, model_serving):
        app.include_router(module.router)
    install_openapi(app)
    return app


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context per process: loading the CA bundle costs tens of milliseconds, and
    every app (and every test's app) would otherwise load it again."""
    return ssl.create_default_context(cafile=certifi.where())


_default_app: FastAPI | None = None


def __getattr__(name: str) -> FastAPI:
    """`uvicorn server.app:app` gets an app built from the environment on first access, so that
    importing this module (tests, tools) reads no settings and configures no logging.

    An environment that describes no working app stops the process with one line saying what
    to change (a traceback would bury it in the Databricks Apps log).
    """
    global _default_app
    if name != "app":
        raise AttributeError(name)
    if _default_app is None:
        try:
            _default_app = create_app()
        except ConfigurationError as exc:
            raise SystemExit(f"the app cannot start: {exc}") from None
    return _default_app
