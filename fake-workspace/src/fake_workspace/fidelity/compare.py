"""Compare two shape books: what the workspace sent that the fake lacks, what the fake invents.

Route by route (``METHOD template STATUS``) for the routes the reference (a live workspace,
or the fake itself offline) answered: a path it had and the candidate never had is *lacking*,
a path only the candidate had is *invented*, a path both had with other JSON types *differs*,
and an enum value the reference sent that the candidate never sent is *lacking* too (as
``path=VALUE``). A route the reference answered and the candidate never did is one
difference. Routes only the candidate answered (faults the fake injects, tests that do not
run live) are listed but are not differences.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fake_workspace.fidelity.allowlist import allowed
from fake_workspace.fidelity.shapes import Shape, ShapeBook


@dataclass
class RouteDiff:
    route: str
    lacking: list[str] = field(default_factory=list)
    invented: list[str] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.lacking) + len(self.invented) + len(self.differing)


@dataclass
class Comparison:
    routes: list[RouteDiff]
    unanswered: list[str]
    """Routes the reference answered and the candidate never did (each one difference)."""
    candidate_only: list[str]

    @property
    def differences(self) -> int:
        return sum(r.count for r in self.routes) + len(self.unanswered)


def _template(route: str) -> str:
    return route.split(" ")[1]


def _compare_route(route: str, reference: Shape, candidate: Shape) -> RouteDiff:
    diff = RouteDiff(route)
    template = _template(route)

    def record(bucket: list[str], path: str, text: str) -> None:
        entry = allowed(template, path)
        if entry is None:
            bucket.append(text)
        else:
            diff.allowed.append(f"{text} ({entry.source})")

    for path in sorted(reference.paths.keys() - candidate.paths.keys()):
        record(diff.lacking, path, path)
    for path in sorted(candidate.paths.keys() - reference.paths.keys()):
        record(diff.invented, path, path)
    for path in sorted(reference.paths.keys() & candidate.paths.keys()):
        theirs, ours = reference.paths[path], candidate.paths[path]
        if theirs != ours:
            text = f"{path}: {'|'.join(sorted(theirs))} vs {'|'.join(sorted(ours))}"
            record(diff.differing, path, text)
    for path, values in sorted(reference.enums.items()):
        for value in sorted(values - candidate.enums.get(path, set())):
            record(diff.lacking, path, f"{path}={value}")
    return diff


def compare(reference: ShapeBook, candidate: ShapeBook) -> Comparison:
    """``reference``: what the workspace sent; ``candidate``: what the fake sent."""
    routes = [
        _compare_route(key, reference.routes[key], candidate.routes[key])
        for key in sorted(reference.routes.keys() & candidate.routes.keys())
    ]
    return Comparison(
        routes=routes,
        unanswered=sorted(reference.routes.keys() - candidate.routes.keys()),
        candidate_only=sorted(candidate.routes.keys() - reference.routes.keys()),
    )
