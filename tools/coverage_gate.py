"""Combine the cells' coverage data, write the reports, and apply the per-module targets to all
cells together and to each backend's cells alone.

A backend's cells are told apart by what coverage recorded, not by file names: every cell
records the static context `py<python>-<backend>` (tools/suite.py), and coverage's own
`--contexts` filter reports the combined data of one backend's contexts. The backend-independent
tests run only in the SQLite cells, under the context `py<python>-any`; every backend's gate
counts those as its own, as it did when each backend's cells ran them too.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nox

from tools.matrix import ANY_BACKEND, BACKENDS
from tools.suite import COVERAGE_DIR

TARGETS = COVERAGE_DIR / "targets.toml"
# Run in the coverage session's environment: the contexts a data file holds (coverage's API).
MEASURED_CONTEXTS = (
    "import sys, coverage; data = coverage.CoverageData(sys.argv[1]); data.read(); "
    "print(*sorted(data.measured_contexts()), sep='\\n')"
)


def strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def gate(session: nox.Session, coverage_json: Path) -> tuple[bool, str]:
    """Apply coverage/targets.toml to one coverage JSON report: (passed, the tool's verdict)."""
    output = session.run(
        "coverage-threshold",
        "--coverage-json",
        str(coverage_json),
        "--config",
        str(TARGETS),
        silent=True,
        success_codes=[0, 1],
    )
    text = strip_ansi(str(output)).strip()
    return text.startswith("Success"), text


def context_pattern(backend: str, *, shared: bool = True) -> str:
    """The `--contexts` regex of one backend's cells: the whole static context, so one backend's
    name never matches another that starts with it; with `shared`, the backend-independent
    tests' context (`py<python>-any`) too. A dynamic context, should one be recorded, follows
    the static one after a `|`."""
    names = f"(?:{re.escape(backend)}|{ANY_BACKEND})" if shared else re.escape(backend)
    return rf"^py[0-9.]+-{names}(\|.*)?$"


def recorded_backends(session: nox.Session, data_file: Path) -> list[str]:
    """The backends (sorted) whose own cells' contexts `data_file` holds."""
    output = session.run("python", "-c", MEASURED_CONTEXTS, str(data_file), silent=True)
    contexts = str(output).splitlines()
    return sorted(
        backend
        for backend in BACKENDS
        if any(re.match(context_pattern(backend, shared=False), c) for c in contexts)
    )


def write_reports(session: nox.Session, data: list[Path]) -> dict[str, tuple[bool, str]]:
    """Combine `data` into the terminal, XML, HTML and JSON reports; return every gate's verdict."""
    # Not named .coverage: coverage's report commands combine (and delete) <data-file>.*
    combined = COVERAGE_DIR / "combined.coverage"
    combined.unlink(missing_ok=True)
    shutil.rmtree(COVERAGE_DIR / "html", ignore_errors=True)
    session.log("combining: " + ", ".join(p.name for p in data))
    # --keep: the inputs stay, so the session can be re-run (e.g. after more cells ran).
    session.run("coverage", "combine", "--keep", f"--data-file={combined}", *map(str, data))
    with_data = (f"--data-file={combined}",)
    session.run("coverage", "report", *with_data)
    session.run("coverage", "xml", *with_data, "-o", str(COVERAGE_DIR / "coverage.xml"))
    session.run("coverage", "html", *with_data, "--show-contexts", "-d", str(COVERAGE_DIR / "html"))
    coverage_json = COVERAGE_DIR / "coverage.json"
    session.run("coverage", "json", *with_data, "-o", str(coverage_json))
    table = session.run("coverage", "report", *with_data, "--format=markdown", silent=True)

    verdicts = {"all cells combined": gate(session, coverage_json)}
    # Each backend must reach the targets on its own (with the backend-independent tests), not
    # only thanks to the other backends' tests.
    for backend in recorded_backends(session, combined):
        alone_json = COVERAGE_DIR / f"coverage-{backend}.json"
        only = f"--contexts={context_pattern(backend)}"
        session.run("coverage", "json", *with_data, only, "-o", str(alone_json), silent=True)
        verdicts[f"{backend} cells alone"] = gate(session, alone_json)
    _write_summary(str(table), data, verdicts)
    return verdicts


def _write_summary(table: str, data: list[Path], verdicts: dict[str, tuple[bool, str]]) -> None:
    passed = all(ok for ok, _ in verdicts.values())
    cells = "\n".join(f"- `{p.name}`" for p in data)
    sections = "\n".join(
        f"#### {label}: {'passed' if ok else 'FAILED'}\n\n```\n{text}\n```\n"
        for label, (ok, text) in verdicts.items()
    )
    (COVERAGE_DIR / "summary.md").write_text(
        f"## Coverage\n\n{table.strip()}\n\n"
        f"### Per-module targets ({'passed' if passed else 'FAILED'})\n\n"
        "Every file in `server/` needs the line and branch coverage set in "
        "`coverage/targets.toml`, with all cells combined and with each backend's cells "
        "alone.\n\n"
        f"{sections}\n"
        f"<details><summary>Data files combined</summary>\n\n{cells}\n\n</details>\n"
    )
