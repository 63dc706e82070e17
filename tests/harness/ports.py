"""A free TCP port on loopback, for a server the harness starts in another process (the
Lakebase stand-in, the soak's app), which must be told its port before it listens."""

from __future__ import annotations

import socket


def free_loopback_port() -> int:
    """A port nothing listens on now; the OS may hand it out again, so bind it soon."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
