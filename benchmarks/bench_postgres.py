"""PostgresWorld throughput and latency; figures go to benchmarks/results/postgres.json.

    python benchmarks/bench_postgres.py [--dsn DSN] [--seconds 5] [--out PATH]

Measured, on the database the World finds (``reference_worlds.postgres.locate``):

* ``lifecycle``: events/s of 12-event runs (run_created, run_started, 3 x step_created/
  step_started/step_completed, run_completed), each worker doing runs back to back, at
  concurrency 1, 10 and 50;
* ``baseline_insert``: plain single-row INSERT commits (autocommit, one round trip each) with
  psycopg from the same process at the same concurrency, the ceiling a World can approach,
  measured in rounds alternating with the lifecycle's so that outside load hits both alike;
* ``preload``: latency of the pending-to-running ``run_started`` on a run with 1000 earlier
  events, which returns those events;
* ``events_list``: latency of paging through a 1000-event run's log at page size 100;
* ``peak_rss_mib``: the process's peak resident memory.

Each concurrency's ratio to the INSERT baseline is also given per round (min/median/max of
``ROUNDS`` rounds, each pair seconds apart), with the 1-minute load average around the run and
the command that reproduces it.

Never run by the tests. Add ``--upstream FILE`` to fold in the figures of
benchmarks/bench_upstream_postgres.mjs (the same lifecycle on @workflow/world-postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conformance.checks import make
from reference_worlds.postgres import PostgresWorld
from reference_worlds.postgres.locate import find_dsn
from worldspec.pagination import PaginationOptions

CONCURRENCY = (1, 10, 50)
EVENTS_PER_RUN = 12
PAYLOAD = b"devl" + bytes(range(60))
LONG_LOG = 1000
REPEATS = 7
ROUNDS = 5


async def _lifecycle(world: PostgresWorld) -> None:
    """One run of 12 events."""
    created = await world.events.create(None, make.run_created(input=PAYLOAD, name="workflow//bench//w"))
    run_id = created.run.run_id
    await world.events.create(run_id, make.run_started())
    for _ in range(3):
        step_id = make.new_id("step")
        await world.events.create(run_id, make.step_created(step_id, input=PAYLOAD))
        await world.events.create(run_id, make.step_started(step_id))
        await world.events.create(run_id, make.step_completed(step_id, result=PAYLOAD))
    await world.events.create(run_id, make.run_completed(output=PAYLOAD))


class _Rate:
    """Events done and seconds spent, summed over rounds."""

    def __init__(self) -> None:
        self.events = 0
        self.seconds = 0.0

    def per_second(self) -> float:
        return self.events / self.seconds

    def add(self, other: _Rate) -> None:
        self.events += other.events
        self.seconds += other.seconds

    def figures(self) -> dict[str, float]:
        return {
            "events": self.events,
            "seconds": round(self.seconds, 3),
            "events_per_second": round(self.events / self.seconds, 1),
        }


async def _measure(rate: _Rate, work: Any, concurrency: int, seconds: float, per_call: int) -> None:
    """Run ``work()`` back to back in ``concurrency`` workers for ``seconds``; add to ``rate``."""
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            await work()
            rate.events += per_call

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    rate.seconds += time.perf_counter() - started


async def _baseline_table(dsn: str, create: bool) -> None:
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        await conn.execute("DROP TABLE IF EXISTS worldspec_bench_insert")
        if create:
            await conn.execute(
                "CREATE TABLE worldspec_bench_insert (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                "run_id text NOT NULL, data bytea)"
            )


async def _compare(dsn: str, concurrency: int, seconds: float) -> tuple[_Rate, _Rate, list[float]]:
    """Lifecycle events/s and single-row INSERT commits/s at ``concurrency``, measured in
    alternating rounds so that load from elsewhere on the machine hits both alike, and the
    ratio of each round (lifecycle over INSERT, measured seconds apart)."""
    world_rate, insert_rate = _Rate(), _Rate()
    ratios: list[float] = []
    await _baseline_table(dsn, create=True)
    pool = AsyncConnectionPool(
        dsn, kwargs={"autocommit": True}, min_size=concurrency, max_size=concurrency, open=False
    )
    await pool.open(wait=True)

    async def insert() -> None:
        async with pool.connection() as conn:
            await conn.execute(
                "INSERT INTO worldspec_bench_insert (run_id, data) VALUES (%s, %s)",
                ("wrun", PAYLOAD),
                prepare=True,
            )

    try:
        async with PostgresWorld(dsn=dsn, pool_size=concurrency) as world:

            async def lifecycle() -> None:
                await _lifecycle(world)

            await _measure(_Rate(), lifecycle, concurrency, 1.0, EVENTS_PER_RUN)
            await _measure(_Rate(), insert, concurrency, 1.0, 1)
            for _ in range(ROUNDS):
                world_round, insert_round = _Rate(), _Rate()
                await _measure(world_round, lifecycle, concurrency, seconds / ROUNDS, EVENTS_PER_RUN)
                await _measure(insert_round, insert, concurrency, seconds / ROUNDS, 1)
                ratios.append(world_round.per_second() / insert_round.per_second())
                world_rate.add(world_round)
                insert_rate.add(insert_round)
    finally:
        await pool.close()
        await _baseline_table(dsn, create=False)
    return world_rate, insert_rate, ratios


def _latency(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
        "samples": len(ordered),
    }


async def _long_run(world: PostgresWorld) -> str:
    """A pending run with ``LONG_LOG`` events: run_created and step_created events."""
    run_id = (await world.events.create(None, make.run_created(input=PAYLOAD))).run.run_id
    for _ in range(LONG_LOG - 1):
        await world.events.create(run_id, make.step_created(make.new_id("step"), input=PAYLOAD))
    return run_id


async def _preload(world: PostgresWorld) -> dict[str, float]:
    samples = []
    for _ in range(REPEATS):
        run_id = await _long_run(world)
        started = time.perf_counter()
        result = await world.events.create(run_id, make.run_started())
        samples.append(time.perf_counter() - started)
        assert len(result.events) == LONG_LOG + 1
    return _latency(samples)


async def _events_list(world: PostgresWorld) -> dict[str, float]:
    run_id = await _long_run(world)
    samples = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        cursor, seen = None, 0
        while True:
            options = PaginationOptions(limit=100, **({"cursor": cursor} if cursor else {}))
            page = await world.events.list(run_id, pagination=options)
            seen += len(page.data)
            if not page.has_more:
                break
            cursor = page.cursor
        samples.append(time.perf_counter() - started)
        assert seen == LONG_LOG
    return _latency(samples)


async def main(arguments: argparse.Namespace) -> dict[str, Any]:
    dsn = find_dsn(arguments.dsn)
    command = f"python benchmarks/bench_postgres.py --seconds {arguments.seconds:g}"
    if arguments.upstream:
        command += f" --upstream {arguments.upstream}"
    figures: dict[str, Any] = {
        "command": command,
        "lifecycle": {},
        "baseline_insert": {},
        "lifecycle_to_baseline": {},
        "lifecycle_to_baseline_by_round": {},
    }
    loads = [os.getloadavg()[0]]
    for concurrency in CONCURRENCY:
        world_rate, insert_rate, ratios = await _compare(dsn, concurrency, arguments.seconds)
        loads.append(os.getloadavg()[0])
        figures["lifecycle"][str(concurrency)] = world_rate.figures()
        figures["baseline_insert"][str(concurrency)] = insert_rate.figures()
        ratio = world_rate.figures()["events_per_second"] / insert_rate.figures()["events_per_second"]
        figures["lifecycle_to_baseline"][str(concurrency)] = round(ratio, 3)
        figures["lifecycle_to_baseline_by_round"][str(concurrency)] = {
            "min": round(min(ratios), 3),
            "median": round(statistics.median(ratios), 3),
            "max": round(max(ratios), 3),
        }
    async with PostgresWorld(dsn=dsn) as world:
        figures["preload_run_started_1000_events"] = await _preload(world)
        figures["events_list_1000_events_page_100"] = await _events_list(world)
    figures["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        version = (await (await conn.execute("SHOW server_version")).fetchone() or ["?"])[0]
    figures["environment"] = {
        "python": platform.python_version(),
        "psycopg": psycopg.__version__,
        "postgresql": version,
        "cpus": os.cpu_count(),
        "seconds_per_measurement": arguments.seconds,
        "load_average_1min": {
            "min": round(min(loads), 2),
            "median": round(statistics.median(loads), 2),
            "max": round(max(loads), 2),
        },
    }
    if arguments.upstream:
        upstream = json.loads(Path(arguments.upstream).read_text())
        figures["upstream_world_postgres"] = upstream
        figures["lifecycle_to_upstream"] = {
            level: round(rate["events_per_second"] / upstream["lifecycle"][level]["events_per_second"], 2)
            for level, rate in figures["lifecycle"].items()
        }
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dsn", default=None)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "postgres.json"))
    parser.add_argument("--upstream", default=None, help="figures written by bench_upstream_postgres.mjs")
    args = parser.parse_args()
    results = asyncio.run(main(args))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
