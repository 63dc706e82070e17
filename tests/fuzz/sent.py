"""What the fuzz tests sent, counted by answer status (the run's last line reports it)."""

from __future__ import annotations

from collections import Counter
from typing import ClassVar


class Sent:
    """The requests the fuzz tests sent, by answer status, reported at the end of the run."""

    statuses: ClassVar[Counter[int]] = Counter()

    @classmethod
    def record(cls, status: int) -> None:
        cls.statuses[status] += 1
