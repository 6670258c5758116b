"""Rewrite a World's known-failures file from fresh runs of the kit.

    python tools/update_known_failures.py known-failures/world-local-4.4.1.toml --runs 5 \\
        --world=reference_worlds.node:NodeWorld --world-opt package=@workflow/world-local@4.4.1

Runs the kit ``--runs`` times without the file (or reads the JSON reports given with
``--reports`` instead), then writes one entry per invariant that failed:

* failed in every run: a plain entry;
* failed in some runs only (a race, a model test that finds its sequence by chance): an entry
  with ``sometimes = "failed in K of N runs"``, which CI accepts either way
  (tests/node_certification.py);
* failed in no run: dropped, except an entry that already says ``sometimes`` when there was
  only one run, which cannot tell.

An entry that was already there keeps its reason and link; a new one gets the kit's one-line
failure reason and a link to docs/findings/<world>.md, to be replaced by the finding's own
section once written up. Prints what changed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _fresh_reports(runs: int, kit_options: list[str], scratch: Path) -> list[Path]:
    reports = []
    for number in range(1, runs + 1):
        report = scratch / f"report-{number}.json"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--world-report={report}"]
        subprocess.run([*command, *kit_options], cwd=REPO, check=False)
        reports.append(report)
    return reports


def _failures(reports: list[Path]) -> tuple[Counter[str], dict[str, str]]:
    """How many reports each invariant failed in, and the reason of its first failure."""
    counts: Counter[str] = Counter()
    reasons: dict[str, str] = {}
    for report in reports:
        for item in json.loads(report.read_text())["invariants"]:
            if item["outcome"] == "fail":
                counts[item["id"]] += 1
                reasons.setdefault(item["id"], item["reason"])
    return counts, reasons


def _entry(ident: str, fields: dict[str, Any]) -> list[str]:
    lines = ["", "[[known_failure]]", f"id = {_toml_string(ident)}"]
    for key in ("reason", "link", "sometimes"):
        if fields.get(key):
            lines.append(f"{key} = {_toml_string(fields[key])}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("file", type=Path, help="the known-failures TOML file to rewrite")
    parser.add_argument("--findings", help="findings page new entries link to (default: from the file name)")
    parser.add_argument("--runs", type=int, default=1, help="how many times to run the kit (default 1)")
    parser.add_argument("--reports", type=Path, nargs="+", help="use these --world-report files, run nothing")
    arguments, kit_options = parser.parse_known_args()
    path: Path = arguments.file
    old = tomllib.loads(path.read_text()) if path.exists() else {}
    entries = {entry["id"]: entry for entry in old.get("known_failure", [])}
    findings = arguments.findings or f"docs/findings/{path.stem.rsplit('-', 1)[0]}.md"
    with tempfile.TemporaryDirectory() as scratch:
        reports = arguments.reports or _fresh_reports(arguments.runs, kit_options, Path(scratch))
        counts, reasons = _failures(reports)
    runs = len(reports)
    header = [line for line in path.read_text().splitlines() if line.startswith("#")] if path.exists() else []
    lines = [*header]
    kept_unjudged = []
    for ident in sorted(set(counts) | {i for i, e in entries.items() if e.get("sometimes") and runs == 1}):
        fields = dict(entries.get(ident, {"reason": reasons.get(ident, ""), "link": findings}))
        if counts[ident] == 0:
            kept_unjudged.append(ident)
        elif counts[ident] < runs:
            fields["sometimes"] = f"failed in {counts[ident]} of {runs} runs"
        elif runs > 1:
            fields.pop("sometimes", None)
        lines += _entry(ident, fields)
    path.write_text("\n".join(lines) + "\n")
    added = sorted(set(counts) - set(entries))
    dropped = sorted(set(entries) - set(counts) - set(kept_unjudged))
    print(f"{path} from {runs} run(s): added {added}, dropped {dropped}")
    if kept_unjudged:
        print(f"kept {kept_unjudged}: they fail only sometimes and passed the one run; judge with --runs N")
    for ident in sorted(counts):
        if counts[ident] < runs:
            print(f"  {ident}: failed in {counts[ident]} of {runs} runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
