"""The app served over real HTTP by uvicorn in a background thread, as in production: it builds
its own engine from the settings and migrates at start-up (the suite's shared engine belongs to
the test event loop and cannot be used from the server's)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import uvicorn

from server.app import create_app
from server.config import Settings

_START_TIMEOUT_SECONDS = 60


class _ThreadedServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # the test runner keeps its signals
        yield


@contextlib.contextmanager
def serve_app(settings: Settings) -> Iterator[str]:
    """Run the app on 127.0.0.1:<free port> (lifespan on); yields its base URL."""
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=0,
        http="h11",
        lifespan="on",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    server = _ThreadedServer(config)
    thread = threading.Thread(target=server.run, name="app-under-fuzz", daemon=True)
    thread.start()
    deadline = time.monotonic() + _START_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app did not start (see the log above)")
        time.sleep(0.01)  # uvicorn starts in its own thread; poll until it listens
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
