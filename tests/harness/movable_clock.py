"""A wall clock for the app's Lakebase credential provider that tests move forward, so that
credential expiry is tested without waiting (the database server's clock stays real)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.fakes.server import FakeWorkspace


class MovableClock:
    """`datetime.now(UTC)` plus what the test advanced; hand it to `LakebaseCredentialProvider`."""

    def __init__(self, fake: FakeWorkspace, *, lifetime: timedelta = timedelta(hours=1)) -> None:
        self.offset = timedelta(0)
        self._fake = fake
        self._lifetime = lifetime

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, by: timedelta) -> None:
        self.offset += by
        # The fake dates credentials by the real clock: keep new ones `lifetime` long as the app
        # sees them (the server then accepts them a little longer, which no test relies on).
        self._fake.database.credential_lifetime_seconds = int(
            (self._lifetime + self.offset).total_seconds()
        )
