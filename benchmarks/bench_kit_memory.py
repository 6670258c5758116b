"""How long the whole kit takes against the in-memory reference World.

Run on demand: ``python benchmarks/bench_kit_memory.py [--runs N]``. Writes
``benchmarks/results/kit_memory.json``: the wall time of each run (process start to exit) and
their min/median/max, the 1-minute load average sampled before and after every run, and the
command that reproduces it. The target (issues 12 and 15): under 10 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cached_bytecode import kit_environment, warm_up

REPO = Path(__file__).resolve().parent.parent
RESULT = REPO / "benchmarks" / "results" / "kit_memory.json"
TARGET_SECONDS = 10.0


KIT = [
    sys.executable,
    "-m",
    "pytest",
    "--world=reference_worlds.memory:MemoryWorld",
    "-q",
    "-p",
    "no:cacheprovider",
]


def one_run() -> tuple[float, dict[str, int]]:
    """Seconds for one full kit run, and its outcome counts."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        started = time.perf_counter()
        subprocess.run(
            [*KIT, f"--world-report={report}", "--rootdir", scratch],
            cwd=REPO,
            env=kit_environment(),
            capture_output=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
        counts: dict[str, int] = {}
        for entry in json.loads(report.read_text())["invariants"]:
            counts[entry["outcome"]] = counts.get(entry["outcome"], 0) + 1
        return elapsed, counts


def _spread(values: list[float], digits: int) -> dict[str, float]:
    return {
        "min": round(min(values), digits),
        "median": round(statistics.median(values), digits),
        "max": round(max(values), digits),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    timings: list[float] = []
    loads = [os.getloadavg()[0]]
    counts: dict[str, int] = {}
    warm_up(KIT, REPO, kit_environment())
    for _ in range(args.runs):
        elapsed, counts = one_run()
        timings.append(round(elapsed, 3))
        loads.append(os.getloadavg()[0])
    result = {
        "benchmark": "whole kit against reference_worlds.memory:MemoryWorld",
        "command": f"python benchmarks/bench_kit_memory.py --runs {args.runs}",
        "runs": timings,
        "wall_seconds": _spread(timings, 2),
        "median_seconds": statistics.median(timings),
        "target_seconds": TARGET_SECONDS,
        "meets_target": statistics.median(timings) < TARGET_SECONDS,
        "outcomes": counts,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_1min": _spread(loads, 2),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
