"""The app served over real HTTP by uvicorn in a background thread, as in production: it builds
its own engine from the settings and migrates at start-up (the suite's shared engine belongs to
the test event loop and cannot be used from the server's)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from fake_workspace.uvicorn_thread import serve_in_thread
from server.app import create_app
from server.config import Settings


@contextlib.contextmanager
def serve_app(settings: Settings) -> Iterator[str]:
    """Run the app on 127.0.0.1:<free port> (lifespan on); yields its base URL."""
    serving = serve_in_thread(create_app(settings), name="the app under fuzzing", lifespan="on")
    try:
        yield serving.base_url
    finally:
        serving.stop()
