"""An ASGI app served by uvicorn on 127.0.0.1 in a background thread (the fake, its reverse
proxies, the app under fuzzing and under `nox -s dev`): started when it listens, stopped without
touching the signals of the test runner or of the dev server's main thread."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import uvicorn


class _ThreadedServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the test runner."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def install_signal_handlers(self) -> None:  # uvicorn < 0.29
        return None


@dataclass
class ServerThread:
    server: uvicorn.Server
    thread: threading.Thread
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve_in_thread(
    app: Any,
    *,
    name: str,
    port: int = 0,
    lifespan: Literal["on", "off"] = "off",
    start_timeout_seconds: float = 60.0,  # only a server that never starts waits this long
) -> ServerThread:
    """Serve `app` on 127.0.0.1:`port` (0: a free one); return once it listens."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        http="h11",
        lifespan=lifespan,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    server = _ThreadedServer(config)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_seconds
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not start (see the log above)")
        time.sleep(0.01)  # uvicorn starts in its own thread; poll until it listens
    return ServerThread(server, thread, server.servers[0].sockets[0].getsockname()[1])
