"""Combine the cells' coverage data, write the reports, and apply the per-module targets to all
cells together and to each backend's cells alone."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nox

from tools.suite import COVERAGE_DIR

TARGETS = COVERAGE_DIR / "targets.toml"


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


def data_by_backend(data: list[Path]) -> dict[str, list[Path]]:
    """coverage/.coverage.integration-<backend>-<python> files, grouped by backend (each
    Lakebase flavour is a backend of its own: `lakebase`, `lakebase-provisioned`)."""
    groups: dict[str, list[Path]] = {}
    for path in data:
        # The cells write exactly .coverage.<session>; tolerate coverage's parallel suffixes.
        match = re.match(r"\.coverage\.integration-([a-z-]+?)-\d+\.\d+(\.|$)", path.name)
        if match:
            groups.setdefault(match.group(1), []).append(path)
    return groups


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
    # Each backend must reach the targets on its own, not only thanks to the other's tests.
    for backend, files in data_by_backend(data).items():
        alone = COVERAGE_DIR / f"{backend}.coverage"
        alone.unlink(missing_ok=True)
        session.run(
            "coverage", "combine", "--keep", "--quiet", f"--data-file={alone}", *map(str, files)
        )
        alone_json = COVERAGE_DIR / f"coverage-{backend}.json"
        session.run("coverage", "json", f"--data-file={alone}", "-o", str(alone_json), silent=True)
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
        "Every file in `server/routers/` and `server/services/` needs the line and branch "
        "coverage set in `coverage/targets.toml`, with all cells combined and with each "
        "backend's cells alone.\n\n"
        f"{sections}\n"
        f"<details><summary>Data files combined</summary>\n\n{cells}\n\n</details>\n"
    )
