"""`python -m fake_workspace.fidelity --reference A.json... --candidate B.json... --report F.md`.

Merges each side's shape books (one per pytest worker), compares them (fidelity.compare),
writes the Markdown report, prints ``fidelity: N route(s) compared, D difference(s)`` and
exits 1 when D > 0: how the live session fails on a difference the allow-list does not hold.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from fake_workspace.fidelity.compare import compare
from fake_workspace.fidelity.report import render
from fake_workspace.fidelity.shapes import ShapeBook


def _load(paths: Sequence[str]) -> ShapeBook:
    return ShapeBook.union(ShapeBook.loads(Path(p).read_text()) for p in paths)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fake_workspace.fidelity", description=__doc__)
    parser.add_argument("--reference", nargs="+", required=True, help="the workspace's books")
    parser.add_argument("--candidate", nargs="+", required=True, help="the fake's books")
    parser.add_argument("--report", required=True, help="where to write the Markdown table")
    parser.add_argument("--reference-name", default="the workspace")
    parser.add_argument("--candidate-name", default="the fake workspace")
    parser.add_argument("--counts", help="also write {routes, differences} as JSON here")
    args = parser.parse_args(argv)
    reference, candidate = _load(args.reference), _load(args.candidate)
    if not reference.routes:
        print("fidelity: the reference recorded no answer; nothing was compared", file=sys.stderr)
        return 1
    comparison = compare(reference, candidate)
    report = Path(args.report)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(
        render(comparison, reference=args.reference_name, candidate=args.candidate_name)
    )
    if args.counts:
        counts = {"routes": len(comparison.routes), "differences": comparison.differences}
        Path(args.counts).write_text(json.dumps(counts))
    print(
        f"fidelity: {len(comparison.routes)} route(s) compared, "
        f"{comparison.differences} difference(s); report: {report}"
    )
    return 1 if comparison.differences else 0


if __name__ == "__main__":
    sys.exit(main())
