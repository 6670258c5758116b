"""How long the ci profile takes to catch each broken World of tests/broken_worlds/races.py.

For every (broken World, invariant it breaks), runs the kit end to end ``--runs`` times
(``pytest --world=... -k ID --world-profile=ci``, a fresh seed and a fresh rootdir each time,
so no example database helps) and records whether it was caught, how long the invariant's test
ran until it failed (from ``--world-report``) and the wall time of the whole process. Writes
benchmarks/results/race_detection.json.

    python benchmarks/bench_race_detection.py [--runs 20]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.broken_worlds import BROKEN_WORLDS, races  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "race_detection.json"


@dataclass(frozen=True)
class Run:
    """One end-to-end kit run against one broken World, selecting one invariant."""

    seed: int
    caught: bool
    test_seconds: float
    wall_seconds: float


def _cases() -> list[tuple[str, str]]:
    worlds = [world for world in BROKEN_WORLDS.values() if world.__module__ == races.__name__]
    cases = [(f"{world.__module__}:{world.__name__}", ident) for world in worlds for ident in world.breaks]
    return sorted(cases)


def _run(target: str, ident: str, seed: int) -> Run:
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        command = [
            *(
                sys.executable,
                "-m",
                "pytest",
                f"--world={target}",
                "-k",
                ident,
                "-q",
                "-p",
                "no:cacheprovider",
            ),
            *("--rootdir", scratch, f"--world-report={report}", "--world-profile=ci", f"--world-seed={seed}"),
        ]
        started = time.perf_counter()
        process = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
        wall = time.perf_counter() - started
        outcomes = json.loads(report.read_text())["invariants"] if report.exists() else []
        found = [item for item in outcomes if item["id"] == ident]
        if not found:
            raise RuntimeError(f"the kit did not judge {ident} on {target}:\n{process.stdout[-3000:]}")
        entry = found[0]
    return Run(seed, entry["outcome"] == "fail", float(entry["duration"]), round(wall, 3))


def _summary(target: str, ident: str, runs: list[Run]) -> dict[str, object]:
    seconds = [run.test_seconds for run in runs]
    return {
        "world": target,
        "invariant": ident,
        "runs": len(runs),
        "caught": sum(run.caught for run in runs),
        "test_seconds": {"min": min(seconds), "median": statistics.median(seconds), "max": max(seconds)},
        "wall_seconds_median": statistics.median(run.wall_seconds for run in runs),
        "escaped_seeds": [run.seed for run in runs if not run.caught],
        "each_run": [asdict(run) for run in runs],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="time-to-catch of the race-broken Worlds (ci profile)")
    parser.add_argument("--runs", type=int, default=20)
    arguments = parser.parse_args()
    results = []
    for target, ident in _cases():
        runs = [_run(target, ident, random.SystemRandom().randrange(2**32)) for _ in range(arguments.runs)]
        results.append(_summary(target, ident, runs))
        median = statistics.median(run.test_seconds for run in runs)
        print(
            f"{target} {ident}: caught {sum(run.caught for run in runs)}/{len(runs)}, median {median:.3f} s"
        )
    document = {
        "profile": "ci",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
