"""coverage/mutation.md and coverage/mutation.json from what `mutmut run` left in mutants/.

Why it exists: mutmut 3.8.1 reports only on a whole run (`export-cicd-stats`: totals; `results`:
text lines, no files), not per file nor for a selection of mutants, so this reads its
mutants/**/*.meta files and imports its diff and status helpers: internals, which is why
pyproject.toml pins mutmut exactly.

Run inside the mutation environment (`python -m tools.mutation_report PATTERN...`), since the
diffs come from mutmut itself. A timeout counts as killed (the suite did not pass with the
mutant in); a mutant that no test reaches counts as survived.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code

from tools import mutation_unreached
from tools.mutation_scope import SCOPE, in_scope, score

MUTANTS = Path("mutants")
# mutmut's statuses, folded into the report's columns.
COLUMN = {
    "killed": "killed",
    "caught by type check": "killed",
    "timeout": "timeout",
    "survived": "survived",
    "no tests": "no tests",
}
COLUMNS = ("killed", "timeout", "survived", "no tests", "other")
COMMENT_DIFFS = 20
PRAGMA = re.compile(r"#\s*pragma:\s*no mutate\b(?:\s*(block|start|end)\b)?(.*)$")


@dataclass
class FileResult:
    counts: Counter[str] = field(default_factory=Counter)
    survivors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def detected(self) -> int:
        return self.counts["killed"] + self.counts["timeout"]


def collect(patterns: list[str]) -> dict[str, FileResult]:
    """Per source file, the mutants the patterns select (every mutant without patterns)."""
    results: dict[str, FileResult] = {}
    metas = sorted(MUTANTS.glob("server/**/*.py.meta"))
    if not metas:  # mutmut stopped before making mutants: a failure, not an empty selection
        raise SystemExit(f"no mutmut results in {MUTANTS}/: see mutmut's output above")
    for meta in metas:
        path = meta.relative_to(MUTANTS).as_posix().removesuffix(".meta")
        if not in_scope(path):
            continue
        exit_codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
        for name, code in sorted(exit_codes.items(), key=lambda item: _natural(item[0])):
            if patterns and not any(fnmatch.fnmatch(name, p) for p in patterns):
                continue
            if code is None:
                raise SystemExit(f"{name} was selected but not run: mutmut did not finish")
            column = COLUMN.get(status_by_exit_code[code], "other")
            result = results.setdefault(path, FileResult())
            result.counts[column] += 1
            if column not in ("killed", "timeout"):
                result.survivors.append(name)
    return results


def _natural(name: str) -> tuple[str, int]:
    stem, _, number = name.rpartition("__mutmut_")
    return stem, int(number) if number.isdigit() else 0


def equivalents(paths: list[str]) -> list[tuple[str, int, str]]:
    """Code excluded from mutation: `# pragma: no mutate` lines, with the reason after each
    (an equivalent mutant, or code mutmut cannot run a mutant of)."""
    found = []
    for path in paths:
        for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
            # An `end` closes a `start`, whose line gives the reason.
            if (match := PRAGMA.search(line)) and match[1] != "end":
                found.append((path, number, match[2].strip(" :-—") or "(no reason given)"))
    return found


def render(
    label: str,
    results: dict[str, FileResult],
    excluded: list[tuple[str, int, str]],
    max_diffs: int | None = None,
    unreached: list[str] | None = None,
) -> str:
    """The report; `max_diffs` caps the diffs shown (a PR comment has a size limit)."""
    total = sum(r.total for r in results.values())
    detected = sum(r.detected for r in results.values())
    lines = [
        "## Mutation testing",
        "",
        f"Scope: {label}. mutmut mutates the functions and methods of every module of "
        "`server/` but the Alembic migrations, and runs, for each mutant, the SQLite-suite tests "
        "that reach its function. A timeout counts as killed; a mutant no test reaches counts as "
        "survived. What mutmut cannot mutate, and the tests that check it instead, follows the "
        "survivors.",
        "",
        "| file | mutants | killed | timeout | survived | no tests | other | score |",
        "| --- | --: | --: | --: | --: | --: | --: | --: |",
    ]
    for path, r in sorted(results.items()):
        cells = " | ".join(str(r.counts[c]) for c in COLUMNS)
        lines.append(f"| `{path}` | {r.total} | {cells} | {score(r.detected, r.total):.1f}% |")
    sums = " | ".join(str(sum(r.counts[c] for r in results.values())) for c in COLUMNS)
    lines.append(f"| **total** | {total} | {sums} | **{score(detected, total):.1f}%** |")
    lines += ["", f"Excluded in the code (`# pragma: no mutate`, reason given): {len(excluded)}."]
    lines += [f"- `{path}:{number}`: {reason}" for path, number, reason in excluded]
    survivors = [(path, name) for path, r in sorted(results.items()) for name in r.survivors]
    lines += ["", f"### Surviving mutants ({len(survivors)})", ""]
    for path, name in survivors[:max_diffs]:
        diff = get_diff_for_mutant(name, path=path).strip("\n")
        lines += [f"`{name}`", "", "```diff", diff, "```", ""]
    if max_diffs is not None and len(survivors) > max_diffs:
        lines.append(f"… and {len(survivors) - max_diffs} more in the CI job's summary.")
    if unreached:
        lines += ["", *unreached]
    return "\n".join(lines) + "\n"


def summary(results: dict[str, FileResult]) -> dict[str, object]:
    files = {
        path: {**{c: r.counts[c] for c in COLUMNS}, "mutants": r.total, "detected": r.detected}
        for path, r in sorted(results.items())
    }
    return {
        "files": files,
        "mutants": sum(r.total for r in results.values()),
        "detected": sum(r.detected for r in results.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("patterns", nargs="*", help="mutmut name globs; none: every mutant")
    parser.add_argument("--label", required=True)
    parser.add_argument("--markdown", type=Path, required=True)
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--comment", type=Path, help="a shorter copy for the PR comment")
    args = parser.parse_args()
    results = collect(args.patterns)
    # A full run owns every file of the scope; a selection, the files it reached.
    files = sorted(results) if args.patterns else _scope_files()
    excluded = equivalents(files)
    unreached = mutation_unreached.render(
        mutation_unreached.unreached(files, Path()), mutation_unreached.covering_tests()
    )
    args.markdown.write_text(render(args.label, results, excluded, unreached=unreached))
    if args.comment:
        args.comment.write_text(render(args.label, results, excluded, max_diffs=COMMENT_DIFFS))
    args.json.write_text(json.dumps({**summary(results), "equivalents": len(excluded)}, indent=2))


def _scope_files() -> list[str]:
    paths = (p.as_posix() for folder in SCOPE for p in sorted(Path(folder).rglob("*.py")))
    return [path for path in paths if in_scope(path)]


if __name__ == "__main__":
    main()
