"""PostgresWorld throughput and latency; figures go to benchmarks/results/postgres.json.

    python benchmarks/bench_postgres.py [--dsn DSN] [--seconds 5] [--no-upstream] [--out PATH]

Measured, on the database the World finds (``reference_worlds.postgres.locate``):

* ``lifecycle``: events/s of 12-event runs (run_created, run_started, 3 x step_created/
  step_started/step_completed, run_completed), each worker doing runs back to back, at
  concurrency 1, 10 and 50;
* ``baseline_insert``: plain single-row INSERT commits (autocommit, one round trip each) with
  psycopg from the same process at the same concurrency, the ceiling a World can approach;
* ``upstream_world_postgres``: the same lifecycle on @workflow/world-postgres@4.3.7, one run of
  benchmarks/bench_upstream_postgres.mjs (a Node process, which npm-installs the package on
  first use) per round, in a database of its own on the same server; ``--no-upstream`` skips it;
* ``preload``: latency of the pending-to-running ``run_started`` on a run with 1000 earlier
  events, which returns those events;
* ``events_list``: latency of paging through a 1000-event run's log at page size 100;
* ``peak_rss_mib``: the process's peak resident memory.

At each concurrency the three are measured in ``ROUNDS`` alternating rounds (PostgresWorld,
INSERT, upstream, each for ``seconds / ROUNDS``), so that load from elsewhere on the machine hits
them alike; each ratio is given as the min/median/max of its per-round values, with the
1-minute load average around the run and the command that reproduces it. Only one side holds
connections while it is measured: the INSERT pool is opened for its round and closed after it.

Never run by the tests.
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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import AsyncConnectionPool

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conformance.checks import make
from reference_worlds.postgres import PostgresWorld
from reference_worlds.postgres.locate import find_dsn, fresh_schema_name
from worldspec.pagination import PaginationOptions

CONCURRENCY = (1, 10, 50)
EVENTS_PER_RUN = 12
PAYLOAD = b"devl" + bytes(range(60))
LONG_LOG = 1000
REPEATS = 7
ROUNDS = 5
WARMUP_SECONDS = 1.0
"""Unmeasured work at the start of every round, after its side opened its connections."""
UPSTREAM_SCRIPT = Path(__file__).resolve().parent / "bench_upstream_postgres.mjs"


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


async def _measure(
    work: Callable[[], Awaitable[None]], concurrency: int, seconds: float, per_call: int
) -> _Rate:
    """Run ``work()`` back to back in ``concurrency`` workers for ``seconds``."""
    rate = _Rate()
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            await work()
            rate.events += per_call

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    rate.seconds = time.perf_counter() - started
    return rate


async def _warmed_up_measure(
    work: Callable[[], Awaitable[None]], concurrency: int, seconds: float, per_call: int
) -> _Rate:
    await _measure(work, concurrency, WARMUP_SECONDS, per_call)
    return await _measure(work, concurrency, seconds, per_call)


class _Upstream:
    """@workflow/world-postgres, measured by ``bench_upstream_postgres.mjs`` in a Node process
    of its own for each round. ``dsn`` must be a URL (``postgresql://...``)."""

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self.versions: dict[str, str] = {}

    async def _run(self, *arguments: str) -> str:
        process = await asyncio.create_subprocess_exec(
            "node",
            str(UPSTREAM_SCRIPT),
            *arguments,
            "--dsn",
            self._dsn,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(
                f"node {UPSTREAM_SCRIPT.name} {' '.join(arguments)} exited with {process.returncode}:\n"
                + err.decode(errors="replace")
            )
        return out.decode()

    async def setup(self) -> None:
        """Install the package if needed and make upstream's database."""
        await self._run("setup")

    async def drop(self) -> None:
        await self._run("drop")

    async def measure(self, concurrency: int, seconds: float) -> _Rate:
        figures = json.loads(
            await self._run(
                "measure",
                "--concurrency",
                str(concurrency),
                "--seconds",
                f"{seconds:g}",
                "--warmup",
                f"{WARMUP_SECONDS:g}",
            )
        )
        self.versions = {"package": figures["package"], "node": figures["node"]}
        rate = _Rate()
        rate.events, rate.seconds = figures["events"], figures["seconds"]
        return rate


async def _baseline_table(dsn: str, create: bool) -> None:
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        await conn.execute("DROP TABLE IF EXISTS worldspec_bench_insert")
        if create:
            await conn.execute(
                "CREATE TABLE worldspec_bench_insert (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                "run_id text NOT NULL, data bytea)"
            )


async def _drop_schema(dsn: str, schema: str) -> None:
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        await conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


async def _world_round(dsn: str, schema: str, concurrency: int, seconds: float) -> _Rate:
    """The lifecycle on a PostgresWorld opened for this round over ``schema``, which the rounds
    share (so the tables grow through the rounds, as upstream's and the INSERT table do)."""
    async with PostgresWorld(dsn=dsn, schema=schema, pool_size=concurrency) as world:

        async def lifecycle() -> None:
            await _lifecycle(world)

        return await _warmed_up_measure(lifecycle, concurrency, seconds, EVENTS_PER_RUN)


async def _insert_round(dsn: str, concurrency: int, seconds: float) -> _Rate:
    """Single-row INSERT commits through a pool opened for this round."""
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
        return await _warmed_up_measure(insert, concurrency, seconds, 1)
    finally:
        await pool.close()


def _spread(values: list[float], digits: int = 3) -> dict[str, float]:
    return {
        "min": round(min(values), digits),
        "median": round(statistics.median(values), digits),
        "max": round(max(values), digits),
    }


@dataclass
class _Comparison:
    """One concurrency's rates summed over its rounds, and each round's ratios."""

    world: _Rate = field(default_factory=_Rate)
    insert: _Rate = field(default_factory=_Rate)
    upstream: _Rate = field(default_factory=_Rate)
    to_insert: list[float] = field(default_factory=list)
    to_upstream: list[float] = field(default_factory=list)


async def _compare(dsn: str, concurrency: int, seconds: float, upstream: _Upstream | None) -> _Comparison:
    """PostgresWorld, INSERT commits and (unless ``upstream`` is ``None``) world-postgres at
    ``concurrency``, in alternating rounds of ``seconds / ROUNDS`` each. Each side opens its
    connections for its round and closes them after it: at concurrency 50 the World's and the
    INSERT pool's together would take every connection slot of a default server."""
    comparison = _Comparison()
    schema = fresh_schema_name()
    per_round = seconds / ROUNDS
    await _baseline_table(dsn, create=True)
    try:
        for _ in range(ROUNDS):
            world_round = await _world_round(dsn, schema, concurrency, per_round)
            insert_round = await _insert_round(dsn, concurrency, per_round)
            comparison.world.add(world_round)
            comparison.insert.add(insert_round)
            comparison.to_insert.append(world_round.per_second() / insert_round.per_second())
            if upstream is not None:
                upstream_round = await upstream.measure(concurrency, per_round)
                comparison.upstream.add(upstream_round)
                comparison.to_upstream.append(world_round.per_second() / upstream_round.per_second())
    finally:
        await _baseline_table(dsn, create=False)
        await _drop_schema(dsn, schema)
    return comparison


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
    if not arguments.upstream:
        command += " --no-upstream"
    figures: dict[str, Any] = {
        "command": command,
        "lifecycle": {},
        "baseline_insert": {},
        "lifecycle_to_baseline": {},
        "lifecycle_to_baseline_by_round": {},
    }
    upstream = _Upstream(dsn) if arguments.upstream else None
    if upstream is not None:
        figures.update(upstream_world_postgres={"lifecycle": {}}, lifecycle_to_upstream={})
        await upstream.setup()
    loads = [os.getloadavg()[0]]
    try:
        for concurrency in CONCURRENCY:
            comparison = await _compare(dsn, concurrency, arguments.seconds, upstream)
            loads.append(os.getloadavg()[0])
            level = str(concurrency)
            figures["lifecycle"][level] = comparison.world.figures()
            figures["baseline_insert"][level] = comparison.insert.figures()
            overall = comparison.world.per_second() / comparison.insert.per_second()
            figures["lifecycle_to_baseline"][level] = round(overall, 3)
            figures["lifecycle_to_baseline_by_round"][level] = _spread(comparison.to_insert)
            if upstream is not None:
                figures["upstream_world_postgres"]["lifecycle"][level] = comparison.upstream.figures()
                figures["lifecycle_to_upstream"][level] = _spread(comparison.to_upstream, 2)
    finally:
        if upstream is not None:
            await upstream.drop()
    if upstream is not None:
        figures["upstream_world_postgres"].update(upstream.versions)
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
        "rounds": ROUNDS,
        "warmup_seconds_per_round": WARMUP_SECONDS,
        "load_average_1min": _spread(loads, 2),
    }
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--dsn", default=None, help="a postgresql:// URL (upstream's driver takes no other form)"
    )
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="measured seconds per side and concurrency"
    )
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "postgres.json"))
    parser.add_argument(
        "--no-upstream",
        dest="upstream",
        action="store_false",
        help="skip @workflow/world-postgres (which needs node and npm)",
    )
    args = parser.parse_args()
    results = asyncio.run(main(args))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
