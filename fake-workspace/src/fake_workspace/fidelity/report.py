"""`coverage/fidelity.md`: the comparison as a table a reviewer reads in a minute."""

from __future__ import annotations

from fake_workspace.fidelity.compare import Comparison


def _cell(items: list[str]) -> str:
    return "<br>".join(f"`{i}`" for i in items) if items else "—"


def render(comparison: Comparison, *, reference: str, candidate: str) -> str:
    lines = [
        "# Fidelity of the fake workspace",
        "",
        f"Reference: {reference}. Candidate: {candidate}. Shapes only (key paths, JSON types,",
        "enum values); no values, tokens or user data are recorded.",
        "",
        f"**{comparison.differences} difference(s)** outside the allow-list "
        "(fake-workspace/src/fake_workspace/fidelity/allowlist.py).",
        "",
        "| route | the workspace sent, the fake lacks | the fake invents | types that differ "
        "| allowed |",
        "| --- | --- | --- | --- | --- |",
    ]
    for diff in comparison.routes:
        lines.append(
            f"| `{diff.route}` | {_cell(diff.lacking)} | {_cell(diff.invented)} "
            f"| {_cell(diff.differing)} | {_cell(diff.allowed)} |"
        )
    for route in comparison.unanswered:
        lines.append(
            f"| `{route}` | the fake never answered this route with this status | — | — | — |"
        )
    if comparison.candidate_only:
        lines += ["", "Answered only by the candidate (not compared):", ""]
        lines += [f"- `{route}`" for route in comparison.candidate_only]
    return "\n".join(lines) + "\n"
