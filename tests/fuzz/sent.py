"""What the fuzz tests sent: answers by status, and how many cases each check judged (the
run's last lines report both)."""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

import schemathesis
from schemathesis.specs.openapi.checks import is_unexpected_http_status_case

# A check that judges only one kind of case: positive_data_acceptance only schema-valid ones,
# negative_data_rejection only schema-violating ones (each returns at once on the others, and
# on the coverage phase's probes of undeclared methods).
MODE_OF_CHECK = {"positive_data_acceptance": "positive", "negative_data_rejection": "negative"}


class Sent:
    """Requests by answer status; cases each check judged, by check and phase."""

    statuses: ClassVar[Counter[int]] = Counter()
    judged: ClassVar[Counter[tuple[str, str]]] = Counter()

    @classmethod
    def record(cls, status: int, case: schemathesis.Case | None, checks: list[str]) -> None:
        cls.statuses[status] += 1
        meta = case.meta if case is not None else None
        phase = meta.phase.name.value if meta is not None else "stateful"
        mode = meta.generation.mode.value if meta is not None else "positive"
        probe = case is not None and is_unexpected_http_status_case(case)
        for check in checks:
            wanted = MODE_OF_CHECK.get(check)
            if wanted is None or (wanted == mode and not probe):
                cls.judged[(check, phase)] += 1

    @classmethod
    def summary(cls) -> list[str]:
        total = sum(cls.statuses.values())
        by_status = ", ".join(f"{s}: {n}" for s, n in sorted(cls.statuses.items()))
        lines = [f"fuzz: {total} requests sent to the app ({by_status})"]
        for check in dict.fromkeys(check for check, _ in cls.judged):
            phases = {p: n for (c, p), n in cls.judged.items() if c == check}
            detail = ", ".join(f"{p} {n}" for p, n in sorted(phases.items()))
            lines.append(f"fuzz: {check} judged {sum(phases.values())} cases ({detail})")
        return lines
