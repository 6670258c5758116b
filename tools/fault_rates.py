"""How often each FAULT invariant fails for a World: run the family N times, count.

    python tools/fault_rates.py --runs 10 --out fault-rates.md \\
        reference_worlds.node:NodeWorld --world-opt package=@workflow/world-local@4.4.1

Each run is ``pytest -m faults`` with a fresh session seed (one campaign of kills per run).
The table gives, per invariant, the runs it failed in and the anomalies named; the rates go
into docs/findings/ and the ``sometimes`` of known-failures entries.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.kit_runner import run_kit  # noqa: E402


def one_run(target: str, options: list[str]) -> tuple[dict[str, str], Counter[str], float]:
    """Outcomes by invariant, anomalies named in the failures, and seconds, of one run."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        started = time.monotonic()
        outcomes = run_kit(target, *options, "-m", "faults", timeout=900, keep_report=report)
        seconds = time.monotonic() - started
        done = outcomes.pop("__process__")
        anomalies: Counter[str] = Counter()
        if not report.exists():
            return {"__error__": done.stdout[-2000:] + done.stderr[-2000:]}, anomalies, seconds
        for entry in json.loads(report.read_text())["invariants"]:
            if entry["outcome"] == "fail":
                named = re.search(r"^anomaly: (\S+)", entry.get("details", ""), re.MULTILINE)
                anomalies[f"{entry['id']} {named.group(1) if named else '?'}"] += 1
        return outcomes, anomalies, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target")
    parser.add_argument("--world-opt", action="append", default=[])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    options = [f"--world-opt={pair}" for pair in args.world_opt]
    failures: Counter[str] = Counter()
    anomalies: Counter[str] = Counter()
    seconds: list[float] = []
    for number in range(1, args.runs + 1):
        outcomes, named, took = one_run(args.target, options)
        if "__error__" in outcomes:
            print(outcomes["__error__"], file=sys.stderr)
            return 3
        failures.update(ident for ident, outcome in outcomes.items() if outcome == "fail")
        anomalies.update(named)
        seconds.append(took)
        print(f"run {number}: failed {sorted(i for i, o in outcomes.items() if o == 'fail')} in {took:.1f} s")
    lines = [
        f"# FAULT rates: {args.target} {' '.join(args.world_opt)}",
        "",
        f"{args.runs} runs of `-m faults` (ci profile), {min(seconds):.1f}–{max(seconds):.1f} s each.",
        "",
        "| invariant | failed in | anomalies named (runs) |",
        "|---|---|---|",
    ]
    for ident in ("FAULT-001", "FAULT-002", "FAULT-003", "FAULT-004"):
        named = ", ".join(
            f"{key.split(' ')[1]} ({count})" for key, count in anomalies.items() if key.startswith(ident)
        )
        lines.append(f"| {ident} | {failures[ident]}/{args.runs} | {named} |")
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
