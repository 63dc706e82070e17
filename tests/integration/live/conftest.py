"""The targets every live-capable test shares (targets.py)."""

from __future__ import annotations

import pytest

from tests.integration.live.targets import LiveTargets, run_targets


@pytest.fixture(scope="session")
def targets() -> LiveTargets:
    return run_targets()
