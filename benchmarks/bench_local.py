"""Measure LocalWorld (and, with --upstream, @workflow/world-local) on the same disk.

    python benchmarks/bench_local.py [--runs 100] [--upstream [--rounds 3]] [--out FILE]

Figures, written as JSON:

* lifecycle events per second at concurrency 1, 10 and 50: runs of 12 events (created,
  started, 3 x step created/started/completed, completed), ``--runs`` runs per level, each
  level on a fresh data directory;
* on a run of 1000 events (run_created, 998 step_created, run_started): the latency of the
  ``run_started`` that preloads them, and a full ``events.list`` at page size 100: best of 5
  from the World that wrote the run (upstream likewise lists from its warm cache), and once
  from a fresh World on the same directory, which reads and parses the log first (cold);
* peak resident memory of the process.

``--upstream`` npm-installs @workflow/world-local@4.4.1 into a cache directory outside the
repository (``$WORLDSPEC_BENCH_CACHE``, default ``~/.cache/worldspec-bench``) and runs the same
workload in Node (benchmarks/bench_upstream_local.mjs), in ``--rounds`` rounds that alternate
which side goes first; ``ratios`` gives each ratio's min/median/max over the rounds (the
figures shown are the last round's), with the load average around the run and the command
that reproduces it. Never run by the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from conformance.checks import make
from reference_worlds.local import LocalWorld
from worldspec.pagination import PaginationOptions

HERE = Path(__file__).resolve().parent
UPSTREAM_PACKAGE = "@workflow/world-local@4.4.1"
LONG_RUN_STEPS = 998
LIST_REPEATS = 5


async def _lifecycle(world: LocalWorld) -> None:
    created = await world.events.create(None, make.run_created())
    run_id = created.run.run_id
    await world.events.create(run_id, make.run_started())
    for _ in range(3):
        step_id = make.new_id("step")
        await world.events.create(run_id, make.step_created(step_id))
        await world.events.create(run_id, make.step_started(step_id))
        await world.events.create(run_id, make.step_completed(step_id, result=b"devl\x00out"))
    await world.events.create(run_id, make.run_completed(output=b"devl\x00done"))


async def _throughput(data_root: Path, concurrency: int, runs: int) -> dict[str, Any]:
    world = LocalWorld(tempfile.mkdtemp(prefix="local-", dir=data_root))
    remaining = [runs]

    async def worker() -> None:
        while remaining[0] > 0:
            remaining[0] -= 1
            await _lifecycle(world)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - began
    await world.close()
    return {
        "concurrency": concurrency,
        "runs": runs,
        "events": runs * 12,
        "seconds": seconds,
        "events_per_second": runs * 12 / seconds,
    }


async def _full_list_seconds(world: LocalWorld, run_id: str, repeats: int) -> tuple[float, int]:
    """The best time of ``repeats`` full listings at page size 100, and the events listed."""
    best, listed = float("inf"), 0
    for _ in range(repeats):
        began = time.perf_counter()
        listed, cursor = 0, None
        while True:
            options = PaginationOptions(limit=100, sort_order="asc", **({"cursor": cursor} if cursor else {}))
            page = await world.events.list(run_id, pagination=options)
            listed += len(page.data)
            if not page.has_more:
                break
            cursor = page.cursor
        best = min(best, time.perf_counter() - began)
    return best, listed


async def _long_run(data_root: Path) -> dict[str, Any]:
    data_dir = tempfile.mkdtemp(prefix="local-", dir=data_root)
    world = LocalWorld(data_dir)
    created = await world.events.create(None, make.run_created())
    run_id = created.run.run_id
    for _ in range(LONG_RUN_STEPS):
        await world.events.create(run_id, make.step_created(make.new_id("step")))
    began = time.perf_counter()
    started = await world.events.create(run_id, make.run_started())
    preload_seconds = time.perf_counter() - began
    warm_seconds, listed = await _full_list_seconds(world, run_id, LIST_REPEATS)
    cold_world = LocalWorld(data_dir)
    cold_seconds, _ = await _full_list_seconds(cold_world, run_id, 1)
    await cold_world.close()
    await world.close()
    preloaded = started.events if isinstance(started.events, list) else []
    assert listed == LONG_RUN_STEPS + 2 == len(preloaded)
    return {
        "events_in_run": listed,
        "preloaded_events": len(preloaded),
        "preload_seconds": preload_seconds,
        "full_list_seconds": warm_seconds,
        "cold_full_list_seconds": cold_seconds,
    }


async def measure_local(data_root: Path, runs: int) -> dict[str, Any]:
    """The figures of LocalWorld."""
    levels = [await _throughput(data_root, concurrency, runs) for concurrency in (1, 10, 50)]
    return {
        "world": "reference_worlds.local:LocalWorld",
        "python": platform.python_version(),
        "fsync": True,
        "lifecycle": levels,
        "long_run": await _long_run(data_root),
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def measure_upstream(data_root: Path, runs: int) -> dict[str, Any]:
    """The figures of @workflow/world-local, installed into the cache directory if needed."""
    cache = Path(os.environ.get("WORLDSPEC_BENCH_CACHE", Path.home() / ".cache" / "worldspec-bench"))
    package_dir = cache / "world-local-4.4.1"
    if not (package_dir / "node_modules" / "@workflow" / "world-local").is_dir():
        package_dir.mkdir(parents=True, exist_ok=True)
        (package_dir / "package.json").write_text('{"name": "bench", "private": true, "type": "module"}\n')
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", UPSTREAM_PACKAGE], cwd=package_dir, check=True
        )
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "upstream.json"
        script = HERE / "bench_upstream_local.mjs"
        subprocess.run(
            ["node", str(script), str(package_dir), str(data_root), str(out), str(runs)], check=True
        )
        return dict(json.loads(out.read_text()))


def _ratios(local: dict[str, Any], upstream: dict[str, Any]) -> dict[str, Any]:
    return {
        "events_per_second_local_over_upstream": {
            str(mine["concurrency"]): mine["events_per_second"] / theirs["events_per_second"]
            for mine, theirs in zip(local["lifecycle"], upstream["lifecycle"], strict=True)
        },
        "full_list_upstream_over_local": upstream["long_run"]["full_list_seconds"]
        / local["long_run"]["full_list_seconds"],
        "preload_upstream_over_local": upstream["long_run"]["preload_seconds"]
        / local["long_run"]["preload_seconds"],
    }


def _spread(values: list[float]) -> dict[str, float]:
    return {
        "min": round(min(values), 3),
        "median": round(statistics.median(values), 3),
        "max": round(max(values), 3),
    }


def _flat_ratios(ratios: dict[str, Any]) -> dict[str, float]:
    """``_ratios`` as one level of names: ``events_per_second_local_over_upstream@10``, ..."""
    flat: dict[str, float] = {}
    for name, value in ratios.items():
        if isinstance(value, dict):
            flat.update({f"{name}@{level}": ratio for level, ratio in value.items()})
        else:
            flat[name] = value
    return flat


def _alternated(data_root: Path, runs: int, rounds: int) -> dict[str, Any]:
    """``rounds`` rounds, each measuring LocalWorld and upstream back to back (their order
    alternating), and every ratio's min/median/max over the rounds."""
    per_round: list[dict[str, float]] = []
    figures: dict[str, Any] = {}
    for number in range(rounds):
        if number % 2 == 0:
            local = asyncio.run(measure_local(data_root, runs))
            upstream = measure_upstream(data_root, runs)
        else:
            upstream = measure_upstream(data_root, runs)
            local = asyncio.run(measure_local(data_root, runs))
        figures = {"local": local, "upstream": upstream}
        per_round.append(_flat_ratios(_ratios(local, upstream)))
        print(f"round {number + 1}/{rounds} done, load {os.getloadavg()[0]:.2f}", file=sys.stderr)
    figures["ratios_by_round"] = per_round
    figures["ratios"] = {name: _spread([found[name] for found in per_round]) for name in per_round[0]}
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=100, help="lifecycle runs per concurrency level")
    parser.add_argument("--upstream", action="store_true", help="also measure @workflow/world-local")
    parser.add_argument("--rounds", type=int, default=3, help="with --upstream: alternated rounds")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "local.json")
    parser.add_argument("--data-root", type=Path, default=Path(tempfile.gettempdir()))
    options = parser.parse_args()
    command = f"python benchmarks/bench_local.py --runs {options.runs}"
    if options.upstream:
        command += f" --upstream --rounds {options.rounds}"
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="worldspec-bench-", dir=options.data_root) as scratch:
        if options.upstream:
            figures = _alternated(Path(scratch), options.runs, options.rounds)
        else:
            figures = {"local": asyncio.run(measure_local(Path(scratch), options.runs))}
    loads.append(os.getloadavg()[0])
    figures["command"] = command
    figures["machine"] = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "data_root": str(options.data_root),
        "load_average_1min": _spread(loads),
    }
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(figures, indent=2) + "\n")
    json.dump(figures, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
