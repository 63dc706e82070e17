"""`nox -s mutation`: mutmut on every module of server/ (not its migrations) against the SQLite
suite.

mutmut 3 was chosen over cosmic-ray and mutmut-ratchet: it records, in one run of the suite,
which tests reach each function and then runs only those for that function's mutants, in
processes forked from an already-imported suite (cosmic-ray starts the whole test command for
every mutant and selects no tests; mutmut-ratchet is a layer over mutmut that needs Python
3.14 and gates on a committed per-file baseline rather than on the changed functions).

    nox -s mutation                                   # everything: >= 85 % overall, 75 % a file
    nox -s mutation -- server/services/sql_values.py  # those files (same thresholds)
    nox -s mutation -- --changed-since=origin/main    # functions changed vs the ref: >= 85 %
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass

import nox

from tools import mutation_scope
from tools.suite import COVERAGE_DIR, ROOT, backend_env, install

REPORT = COVERAGE_DIR / "mutation.md"
SUMMARY = COVERAGE_DIR / "mutation.json"
COMMENT = COVERAGE_DIR / "mutation-comment.md"  # the same, fewer diffs: for the PR comment
WORKDIR = ROOT / "mutants"  # mutmut's copy of the sources, its mutants and its results


@dataclass(frozen=True)
class Options:
    files: tuple[str, ...]
    changed_since: str | None
    fail_under: float
    file_fail_under: float | None


def parse(posargs: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(prog="nox -s mutation --", description=__doc__)
    parser.add_argument("files", nargs="*", help="source files to mutate (default: all)")
    parser.add_argument("--changed-since", metavar="REF", help="only functions changed vs REF")
    parser.add_argument("--fail-under", type=float, default=85.0, help="minimum score, %%")
    parser.add_argument(
        "--file-fail-under",
        type=float,
        help="minimum score of each file, %% (default 75; none with --changed-since)",
    )
    args = parser.parse_args(list(posargs))
    if args.files and args.changed_since:
        parser.error("give files or --changed-since, not both")
    per_file = args.file_fail_under
    if per_file is None and not args.changed_since:
        per_file = 75.0
    return Options(tuple(args.files), args.changed_since, args.fail_under, per_file)


def selection(options: Options) -> tuple[str, list[str]]:
    """(what the report calls the scope, mutmut name globs; empty = every mutant)."""
    if options.changed_since:
        patterns = mutation_scope.changed_function_patterns(options.changed_since, ROOT)
        return f"functions changed since `{options.changed_since}`", patterns
    if options.files:
        label = ", ".join(f"`{f}`" for f in options.files)
        return label, mutation_scope.file_patterns(options.files, ROOT)
    return "every function of `server/`", []


def verdicts(summary: dict[str, object], options: Options) -> list[str]:
    """What falls short of the thresholds (empty: the gate passes)."""
    failures = []
    total, detected = totals(summary)
    if mutation_scope.score(detected, total) < options.fail_under:
        failures.append(f"overall below {options.fail_under:g} %")
    files = summary["files"]
    assert isinstance(files, dict)
    if options.file_fail_under is not None:
        for path, counts in files.items():
            file_score = mutation_scope.score(counts["detected"], counts["mutants"])
            if file_score < options.file_fail_under:
                failures.append(f"{path} below {options.file_fail_under:g} %")
    return failures


def totals(summary: dict[str, object]) -> tuple[int, int]:
    """(mutants, detected) over the whole selection."""
    return int(str(summary["mutants"])), int(str(summary["detected"]))


def score_line(summary: dict[str, object]) -> str:
    total, detected = totals(summary)
    score = mutation_scope.score(detected, total)
    return f"mutation score: {score:.1f}% ({detected} killed of {total})"


def run(session: nox.Session) -> None:
    """The session: select, run mutmut afresh, write the report, gate, print the score last."""
    options = parse(session.posargs)
    try:
        label, patterns = selection(options)
    except ValueError as error:
        session.error(str(error))
    install(session, "mutation", project=True)
    COVERAGE_DIR.mkdir(exist_ok=True)
    if options.changed_since and not patterns:
        session.log("no function of server/ changed")
        for report in (REPORT, COMMENT):
            report.write_text(f"## Mutation testing\n\nScope: {label}. None: nothing to mutate.\n")
        SUMMARY.write_text(json.dumps({"files": {}, "mutants": 0, "detected": 0}))
    else:
        shutil.rmtree(WORKDIR, ignore_errors=True)  # no verdict may outlive the code it judged
        # mutmut exits 1 when the globs match no mutant (changed functions without any, e.g.
        # only decorated route handlers); the report step tells that from a real failure.
        session.run(
            "mutmut",
            "run",
            f"--max-children={os.cpu_count() or 2}",
            *patterns,
            env=backend_env("sqlite"),
            success_codes=[0, 1],
        )
        session.run(
            "python",
            "-m",
            "tools.mutation_report",
            f"--label={label}",
            f"--markdown={REPORT}",
            f"--json={SUMMARY}",
            f"--comment={COMMENT}",
            *patterns,
        )
    summary = json.loads(SUMMARY.read_text())
    failures = verdicts(summary, options)
    session.log(f"report: {REPORT.relative_to(ROOT)}")
    if failures:
        session.log(f"mutation gate failed: {'; '.join(failures)}")
    print(score_line(summary), flush=True)
    if failures:
        session.error()
