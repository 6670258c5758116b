"""The whole kit through the Node bridge against world-local: how long, and where the time goes.

    python benchmarks/bench_kit_bridge.py [--rounds R] [--seed N] [--profile ci] [--workers W]

Runs ``pytest --world=reference_worlds.node:NodeWorld`` with world-local 4.4.1's known-failures
file, ``--rounds`` times with one seed (the model and race tests draw their work from it), after
one untimed collection that caches the bytecode. Each round is two runs: a plain one, whose wall
time is the figure judged against the target, and a measured one, which records for each test
its wall time, the time Node spent inside World calls (``bridge.stats``;
overlapping calls each count in full, so a race can spend more World time than wall time), the
CPU time Node used (the World's work and the bridge's) and the CPU time of the Python process.
What is left of a test's wall time is waiting: the kit's and the World's timers, the round
trips. Each plain run also records the CPU every process of the run used (pytest, its workers,
Node), and its median over the cores is the run's floor: no schedule finishes that work sooner. Writes
benchmarks/results/kit_bridge.json (``--workers W`` above 1: kit_bridge_nW.json): the plain
runs' wall time (min/median/max over rounds), the load average, per family and for the slowest tests
the median over rounds of each share. The target is the whole run, process start to exit,
within 15 s on 2 cores. ``--workers`` runs the kit as ``worldspec certify -n W`` does, on W
pytest-xdist workers (the kit's scheduling: the racing tests stay on one worker), each with
its own Node process; the per-test figures are then each worker's own.

This module is also the pytest plugin (``-p bench_kit_bridge``) that takes the per-test figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest
from cached_bytecode import kit_environment, warm_up

from reference_worlds.node.channel import open_channel
from reference_worlds.node.process import NodeProcess, live_processes

PACKAGE = "@workflow/world-local@4.4.1"
HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results" / "kit_bridge.json"
KNOWN_FAILURES = REPO / "known-failures" / "world-local-4.4.1.toml"
TARGET_SECONDS = 15.0
TIMING_FILE_ENV = "WORLDSPEC_KIT_TIMING"

# --- the plugin -----------------------------------------------------------------------------------


async def _stats_of(process: NodeProcess) -> tuple[int, float, float]:
    channel = await open_channel(process)
    try:
        stats = await channel.call("bridge.stats", None, [])
        return int(stats["worldCalls"]), float(stats["worldMs"]) / 1000, float(stats["cpuMs"]) / 1000
    finally:
        channel.close()


def _world_totals() -> dict[int, tuple[int, float, float]]:
    """Calls made into Worlds, seconds spent in them and the CPU seconds Node has used, by
    Node process id."""
    return {process.pid: asyncio.run(_stats_of(process)) for process in live_processes()}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    before, cpu, started = _world_totals(), time.process_time(), time.perf_counter()
    try:
        return (yield)
    finally:
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        after = _world_totals()
        start = (0, 0.0, 0.0)
        calls = sum(count - before.get(pid, start)[0] for pid, (count, _, _) in after.items())
        world = sum(seconds - before.get(pid, start)[1] for pid, (_, seconds, _) in after.items())
        node_cpu = sum(used - before.get(pid, start)[2] for pid, (_, _, used) in after.items())
        record = {
            "test": item.name,
            "wall": wall,
            "world": world,
            "calls": calls,
            "python_cpu": cpu,
            "node_cpu": node_cpu,
        }
        with open(os.environ[TIMING_FILE_ENV], "a") as timings:
            timings.write(json.dumps(record) + "\n")


# --- the script -----------------------------------------------------------------------------------


def _kit_command(seed: int, profile: str, workers: int) -> list[str]:
    spread = ["-n", str(workers)] if workers > 1 else []
    return [
        sys.executable,
        "-m",
        "pytest",
        "--world=reference_worlds.node:NodeWorld",
        "--world-opt",
        f"package={PACKAGE}",
        "--world-xfail",
        str(KNOWN_FAILURES.relative_to(REPO)),
        f"--world-profile={profile}",
        f"--world-seed={seed}",
        "-q",
        "-p",
        "no:cacheprovider",
        *spread,
    ]


def _environment(**extra: str) -> dict[str, str]:
    """The kit's environment (``cached_bytecode``), with this directory importable for the
    plugin."""
    path = os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))
    return kit_environment(PYTHONPATH=path, **extra)


def run_kit(seed: int, profile: str, workers: int, *, measured: bool) -> dict[str, Any]:
    """One run of the kit: its wall time, summary line, load, and (``measured``) per-test
    records, which this module's plugin takes at the price of two calls to each Node process
    per test; the wall time the target is judged by comes from runs without it."""
    with tempfile.TemporaryDirectory() as scratch:
        timings = Path(scratch) / "timings.jsonl"
        environment = _environment(**{TIMING_FILE_ENV: str(timings)})
        plugin = ["-p", "bench_kit_bridge"] if measured else []
        load = os.getloadavg()[0]
        used = _children_cpu()
        started = time.perf_counter()
        done = subprocess.run(
            [*_kit_command(seed, profile, workers), *plugin],
            cwd=REPO,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - started
        cpu = _children_cpu() - used
        tests = [json.loads(line) for line in timings.read_text().splitlines()] if timings.exists() else []
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-500:]
    failed = [line for line in done.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    return {
        "wall": wall,
        "cpu": cpu,
        "summary": summary,
        "failed": failed,
        "load": [load, os.getloadavg()[0]],
        "tests": tests,
    }


def _children_cpu() -> float:
    """User and system CPU seconds of every process this one has waited for, with their own
    waited-for descendants (the kit's workers and their Node processes)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _family(test: str) -> str:
    found = re.search(r"\[([A-Z]+)-\d+\]", test)
    return found.group(1) if found else "(other)"


def _shares(records: list[dict[str, Any]]) -> dict[str, float]:
    wall = sum(record["wall"] for record in records)
    world = sum(record["world"] for record in records)
    cpu = sum(record["python_cpu"] for record in records)
    node_cpu = sum(record["node_cpu"] for record in records)
    return {
        "wall": round(wall, 2),
        "in_world": round(world, 2),
        "python_cpu": round(cpu, 2),
        "node_cpu": round(node_cpu, 2),
        "calls": sum(record["calls"] for record in records),
    }


def _median_of(rows: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(statistics.median(row[key] for row in rows), 2) for key in rows[0]}


def results_file(workers: int) -> Path:
    """Where a run on ``workers`` workers writes its figures."""
    return RESULTS if workers == 1 else RESULTS.with_name(f"kit_bridge_n{workers}.json")


def summarize(
    plain: list[dict[str, Any]],
    measured: list[dict[str, Any]],
    seed: int,
    profile: str,
    rounds: int,
    workers: int,
) -> dict[str, Any]:
    """The figures of a benchmark: the wall time of the ``plain`` runs, the breakdown of the
    ``measured`` ones (alternated with them, one of each per round)."""
    runs = plain + measured
    walls = [run["wall"] for run in plain]
    cpus = [run["cpu"] for run in plain]
    cores = os.cpu_count() or 1
    loads = [value for run in runs for value in run["load"]]
    by_family: dict[str, list[dict[str, float]]] = defaultdict(list)
    by_test: dict[str, list[dict[str, float]]] = defaultdict(list)
    for run in measured:
        families: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in run["tests"]:
            families[_family(record["test"])].append(record)
            by_test[record["test"]].append(_shares([record]))
        for family, records in families.items():
            by_family[family].append(_shares(records))
    families_median = {family: _median_of(rows) for family, rows in by_family.items()}
    tests_median = {test: _median_of(rows) for test, rows in by_test.items()}
    slowest = sorted(tests_median.items(), key=lambda item: -item[1]["wall"])[:12]
    command = (
        f"python benchmarks/bench_kit_bridge.py --rounds {rounds} --seed {seed} --profile {profile}"
        f" --workers {workers}"
    )
    return {
        "package": PACKAGE,
        "command": command,
        "kit_command": " ".join(_kit_command(seed, profile, workers)[1:]),
        "workers": workers,
        "commit": subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
        ).stdout.strip(),
        "rounds": rounds,
        "target": f"the whole run (process start to exit) within {TARGET_SECONDS:.0f} s on 2 cores",
        "machine": {
            "python": platform.python_version(),
            "system": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_1min": {"min": min(loads), "median": statistics.median(loads), "max": max(loads)},
        },
        "wall_seconds": {
            "min": round(min(walls), 2),
            "median": round(statistics.median(walls), 2),
            "max": round(max(walls), 2),
        },
        "cpu_seconds": {
            "min": round(min(cpus), 2),
            "median": round(statistics.median(cpus), 2),
            "max": round(max(cpus), 2),
        },
        "cpu_floor_seconds": round(statistics.median(cpus) / cores, 2),
        "measured_wall_seconds": [round(run["wall"], 2) for run in measured],
        "summaries": [run["summary"] for run in plain],
        "measured_summaries": [run["summary"] for run in measured],
        "failed": [line for run in runs for line in run["failed"]],
        "meets_target": statistics.median(walls) <= TARGET_SECONDS,
        "legend": "medians over rounds, in seconds: wall = the tests' wall time; in_world = time Node "
        "spent inside World calls (overlapping calls each count); python_cpu = the kit's and the "
        "bridge's CPU in Python; node_cpu = the CPU the Node processes used during the tests, the World's "
        "work and the bridge's; the rest of wall is waiting (timers, round trips). cpu_seconds = the CPU "
        "of the plain runs, every process of the run (pytest, its workers, Node) user and system; "
        "cpu_floor_seconds = its median over the cores: no schedule of that work finishes sooner",
        "whole_kit": _median_of([_shares(run["tests"]) for run in measured]),
        "by_family": dict(sorted(families_median.items(), key=lambda item: -item[1]["wall"])),
        "slowest_tests": dict(slowest),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3, help="runs of the whole kit")
    parser.add_argument("--seed", type=int, default=12345, help="--world-seed of every run")
    parser.add_argument("--profile", default="ci", help="--world-profile of every run")
    parser.add_argument(
        "--workers", type=int, default=1, help="pytest-xdist workers, as certify -n W (default 1)"
    )
    parser.add_argument("--no-write", action="store_true", help="print only; leave the results file as it is")
    options = parser.parse_args()
    if options.workers < 1:
        parser.error("--workers must be at least 1")
    warm_up(_kit_command(options.seed, options.profile, 1), REPO, _environment())
    plain: list[dict[str, Any]] = []
    measured: list[dict[str, Any]] = []
    for number in range(options.rounds):
        for runs, instrumented in ((plain, False), (measured, True)):
            runs.append(run_kit(options.seed, options.profile, options.workers, measured=instrumented))
            print(
                f"round {number + 1}/{options.rounds}{', measured' if instrumented else ''}: "
                f"{runs[-1]['wall']:.1f} s, {runs[-1]['summary']}",
                file=sys.stderr,
            )
    document = summarize(plain, measured, options.seed, options.profile, options.rounds, options.workers)
    if not options.no_write:
        target = results_file(options.workers)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(document, indent=2) + "\n")
    print(json.dumps(document, indent=2))


if __name__ == "__main__":
    main()
