"""Rewrite a World's known-failures file from a fresh run of the kit.

    python tools/update_known_failures.py known-failures/world-local-4.4.1.toml \
        --world=reference_worlds.node:NodeWorld --world-opt package=@workflow/world-local@4.4.1

Runs the kit without the file, then writes one entry per failed invariant: an entry that was
already there keeps its reason and link; a new one gets the kit's one-line failure reason and a
link to docs/findings/<world>.md, to be replaced by the finding's own section once written up.
Entries whose invariant now passes are dropped. Prints what changed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("file", type=Path, help="the known-failures TOML file to rewrite")
    parser.add_argument("--findings", help="findings page new entries link to (default: from the file name)")
    arguments, kit_options = parser.parse_known_args()
    path: Path = arguments.file
    old = tomllib.loads(path.read_text()) if path.exists() else {}
    entries = {entry["id"]: entry for entry in old.get("known_failure", [])}
    findings = arguments.findings or f"docs/findings/{path.stem.rsplit('-', 1)[0]}.md"
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--world-report={report}"]
        subprocess.run([*command, *kit_options], cwd=REPO, check=False)
        outcomes = json.loads(report.read_text())["invariants"]
    failed = {item["id"]: item["reason"] for item in outcomes if item["outcome"] == "fail"}
    header = [line for line in path.read_text().splitlines() if line.startswith("#")] if path.exists() else []
    lines = [*header]
    for ident in sorted(failed):
        entry = entries.get(ident, {"reason": failed[ident], "link": findings})
        lines += ["", "[[known_failure]]", f"id = {_toml_string(ident)}"]
        lines += [f"reason = {_toml_string(entry['reason'])}", f"link = {_toml_string(entry['link'])}"]
    path.write_text("\n".join(lines) + "\n")
    print(f"{path}: added {sorted(set(failed) - set(entries))}, dropped {sorted(set(entries) - set(failed))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
