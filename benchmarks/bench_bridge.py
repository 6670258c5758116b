"""World calls per second through the Node bridge, as a share of the same calls made inside Node.

    python benchmarks/bench_bridge.py [--seconds S] [--rounds R] [--warm-up W] [--spread-only]

Both sides build the same data in their own ``@workflow/world-local@4.4.1`` (a run with 20
steps and a hook, a closed stream of 20 chunks, a queue handler that counts deliveries) and
make the same sequential calls, one in flight at a time: every World method, through NodeWorld
on one side (arguments tagged, results parsed into worldspec's models), in
``bench_in_node.mjs`` on the other. Each measurement makes as many calls as take about S
seconds through the bridge (timed once, on 20 calls, before the rounds; at least 20, at most
5,000, at most 200 for a write), the same number on both sides: a fixed count made the cheap
reads' measurements last 25 ms, short enough for one descheduling to move a ratio by a tenth,
and the slow stream calls' last minutes. The machine is shared and its load moves, so each
operation is measured on both sides back to back, their order alternating, in every round; a
round's ratio compares two measurements taken a second apart. Before the first round, each side
makes W untimed calls of every operation that stores nothing: V8 compiles the hot paths of
world-local and of the bridge only after some thousands of calls (``runs.get`` through the
bridge took 184 us over its first 5,000 calls and 133 us after), so the rounds compare two warm
processes. The writes are not warmed up that way: each would grow what later operations read
(``listStreamsByRunId`` lists every stream ``closeStream`` made). After the queue() calls, both
sides wait (untimed) for their deliveries, so a backlog never slows the next measurement.
Every measurement is taken twice in a round, under two placements: spread (every process may
run on every CPU the benchmark started with) and one CPU (Python, its Node process and the
in-Node process pinned to one; Linux only; ``--spread-only`` skips it). A wake-up on another
CPU can cost more than the call it wakes for on a virtual machine, and it hits the two sides
unequally, so an operation's ratio divides, per round, the bridge's best rate by the in-Node
best; each placement's own rates and ratio are kept beside it.
Writes benchmarks/results/bridge.json: per operation the min/median/max over rounds of each
rate and of the ratio, the load average during the run, and the command that reproduces it;
and, per operation, where a call through the bridge spent its wall time (Python's CPU, the Node
process's CPU with the World's own work, and the rest: waiting for the other process and for a
CPU after each wake-up), with the wall time Node spent inside the World's own call beside it.
The target is a ratio of at least 0.5. ``--uvloop`` runs NodeWorld on uvloop's event loop
instead of asyncio's and writes benchmarks/results/bridge_uvloop.json: what the bridge would
reach if the kit ran it there (it does not).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from reference_worlds.node import NodeWorld
from reference_worlds.node.install import install
from reference_worlds.node.process import live_processes
from worldspec.events import (
    HookCreatedData,
    HookCreatedRequest,
    RunCreatedData,
    RunCreatedRequest,
    RunStartedRequest,
    StepCreatedData,
    StepCreatedRequest,
)
from worldspec.pagination import PaginationOptions
from worldspec.queue import MessageMeta, QueuePayload, StepInvokePayload
from worldspec.wire_types import MISSING

PACKAGE = "@workflow/world-local@4.4.1"
HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "bridge.json"
RESULTS_UVLOOP = HERE / "results" / "bridge_uvloop.json"
TARGET = 0.5
WARM_UP = 5
STEPS = 20
CHUNKS = 20
PAYLOAD = bytes(64)
PAGE = PaginationOptions(limit=20)
STEP_MESSAGE = StepInvokePayload(
    workflow_name="wf", workflow_run_id="wrun_x", workflow_started_at=0, step_id="step_bench"
)


@dataclass
class Fixture:
    """The World and the data every operation reads, as bench_in_node.mjs builds them."""

    world: NodeWorld
    run_id: str
    writes_run_id: str
    event_id: str
    sequence: int = 0
    queued: int = 0
    delivered: int = 0

    async def queue(self) -> Any:
        self.queued += 1
        return await self.world.queue("__wkf_step_bench", STEP_MESSAGE)

    async def deliveries_done(self) -> None:
        """Wait for the deliveries of every queued message (they outlive the queue() calls)."""
        while self.delivered < self.queued:
            await asyncio.sleep(0.005)

    def next_id(self, prefix: str) -> str:
        self.sequence += 1
        return f"{prefix}_{self.sequence}"


async def _read_all(fixture: Fixture) -> None:
    async for _ in fixture.world.read_from_stream("bench-read"):
        pass


Operation = Callable[[Fixture], Awaitable[Any]]
OPERATIONS: dict[str, Operation] = {
    "runs.get": lambda f: f.world.runs.get(f.run_id),
    "runs.list": lambda f: f.world.runs.list(workflow_name="bench", pagination=PAGE),
    "events.create": lambda f: f.world.events.create(
        f.writes_run_id,
        StepCreatedRequest(
            correlation_id=f.next_id("step_write"),
            event_data=StepCreatedData(step_name="bench", input=PAYLOAD),
        ),
    ),
    "events.get": lambda f: f.world.events.get(f.run_id, f.event_id),
    "events.list": lambda f: f.world.events.list(f.run_id, pagination=PAGE),
    "events.listByCorrelationId": lambda f: f.world.events.list_by_correlation_id(
        "step_bench_0", run_id=f.run_id, pagination=PAGE
    ),
    "steps.get": lambda f: f.world.steps.get(f.run_id, "step_bench_0"),
    "steps.list": lambda f: f.world.steps.list(f.run_id, pagination=PAGE),
    "hooks.get": lambda f: f.world.hooks.get("hook_bench"),
    "hooks.getByToken": lambda f: f.world.hooks.get_by_token("token_bench"),
    "hooks.list": lambda f: f.world.hooks.list(run_id=f.run_id, pagination=PAGE),
    "getDeploymentId": lambda f: f.world.get_deployment_id(),
    "queue": lambda f: f.queue(),
    "writeToStream": lambda f: f.world.write_to_stream("bench-write", f.run_id, PAYLOAD),
    "closeStream": lambda f: f.world.close_stream(f"bench-close-{f.next_id('s')}", f.run_id),
    "listStreamsByRunId": lambda f: f.world.list_streams_by_run_id(f.run_id),
    "getStreamChunks": lambda f: f.world.get_stream_chunks("bench-read", f.run_id, limit=20),
    "getStreamInfo": lambda f: f.world.get_stream_info("bench-read", f.run_id),
    "readFromStream": _read_all,
}
"""Every World method, with the arguments bench_in_node.mjs passes to the same method."""
STORING = frozenset({"events.create", "writeToStream", "closeStream"})
"""The operations that add to what others read: never called in the warm-up."""


async def build_fixture() -> Fixture:
    world = NodeWorld(PACKAGE)
    await world.start()
    run_id = await _started_run(world, "bench")
    writes_run_id = await _started_run(world, "bench-writes")
    for index in range(STEPS):
        step = StepCreatedData(step_name="bench", input=PAYLOAD)
        await world.events.create(
            run_id, StepCreatedRequest(correlation_id=f"step_bench_{index}", event_data=step)
        )
    hook = HookCreatedData(token="token_bench", metadata=PAYLOAD)
    await world.events.create(run_id, HookCreatedRequest(correlation_id="hook_bench", event_data=hook))
    first = (await world.events.list(run_id, pagination=PaginationOptions(limit=1))).data[0]
    for _ in range(CHUNKS):
        await world.write_to_stream("bench-read", run_id, PAYLOAD)
    await world.close_stream("bench-read", run_id)
    fixture = Fixture(world, run_id, writes_run_id, first.event_id)

    async def count(message: QueuePayload, meta: MessageMeta) -> None:
        fixture.delivered += 1

    await world.create_queue_handler("__wkf_step_", count)
    return fixture


async def _started_run(world: NodeWorld, name: str) -> str:
    data = RunCreatedData(deployment_id="dpl_bench", workflow_name=name, input=PAYLOAD)
    created = await world.events.create(None, RunCreatedRequest(event_data=data))
    assert created.run is not MISSING
    await world.events.create(created.run.run_id, RunStartedRequest())
    return created.run.run_id


@dataclass
class Spent:
    """Where ``calls`` calls through the bridge spent their wall time: Python's CPU, the Node
    process's CPU (the World's work included), and the rest, waiting (for the other process,
    for a CPU after a wake-up, for the World's timers and threads)."""

    calls: int
    wall: float
    python_cpu: float
    node_cpu: float
    in_world: float
    """Wall time Node spent inside the World's own calls (``bridge.stats``): part of node_cpu,
    and of waiting where the World waits for its file I/O."""

    def per_call_microseconds(self) -> dict[str, float]:
        waiting = self.wall - self.python_cpu - self.node_cpu
        shares = {
            "wall": self.wall,
            "python_cpu": self.python_cpu,
            "node_cpu": self.node_cpu,
            "waiting": waiting,
            "node_in_world": self.in_world,
        }
        return {name: seconds / self.calls * 1e6 for name, seconds in shares.items()}


def _threads_of(pid: int) -> list[Path]:
    """The ``/proc`` directories of process ``pid``'s threads (one may end while it is read)."""
    return list(Path(f"/proc/{pid}/task").iterdir())


def _process_cpu_seconds(pid: int) -> float:
    """CPU time of process ``pid``, all its threads, in nanoseconds' resolution (schedstat)."""
    total = 0
    for thread in _threads_of(pid):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            total += int((thread / "schedstat").read_text().split()[0])
    return total / 1e9


async def _seconds_in_world(fixture: Fixture) -> float:
    """Seconds the Node process has spent inside World calls so far (``bridge.stats``)."""
    stats = await fixture.world.call("bridge.stats")
    return float(stats["worldMs"]) / 1000


async def through_bridge(fixture: Fixture, operation: str, calls: int) -> Spent:
    """Wall time and CPU of ``calls`` sequential calls of ``operation`` through NodeWorld."""
    call = OPERATIONS[operation]
    (node,) = live_processes()
    for _ in range(WARM_UP):
        await call(fixture)
    world_before = await _seconds_in_world(fixture)
    node_before, python_before = _process_cpu_seconds(node.pid), time.process_time()
    started = time.perf_counter()
    for _ in range(calls):
        await call(fixture)
    seconds = time.perf_counter() - started
    python_cpu = time.process_time() - python_before
    node_cpu = _process_cpu_seconds(node.pid) - node_before
    spent = Spent(calls, seconds, python_cpu, node_cpu, await _seconds_in_world(fixture) - world_before)
    await fixture.deliveries_done()
    return spent


async def round_trip_seconds(fixture: Fixture, calls: int) -> float:
    """Seconds per ``bridge.echo`` of a small value: the channel alone, no World."""
    started = time.perf_counter()
    for _ in range(calls):
        await fixture.world.call("bridge.echo", PAYLOAD)
    return (time.perf_counter() - started) / calls


class InNode:
    """bench_in_node.mjs, asked for one measurement at a time."""

    def __init__(self) -> None:
        entry = install(PACKAGE)
        self._process = subprocess.Popen(
            ["node", str(HERE / "bench_in_node.mjs"), str(entry)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = self._answer()
        missing = set(OPERATIONS) ^ set(ready["operations"])
        if missing:
            raise SystemExit(
                f"bench_bridge.py and bench_in_node.mjs disagree on operations: {sorted(missing)}"
            )

    @property
    def pid(self) -> int:
        return self._process.pid

    def _answer(self) -> dict[str, Any]:
        stdout: IO[str] | None = self._process.stdout
        assert stdout is not None
        line = stdout.readline()
        if not line:
            raise SystemExit(f"bench_in_node.mjs ended (exit code {self._process.wait()})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def seconds(self, operation: str, calls: int) -> float:
        stdin = self._process.stdin
        assert stdin is not None
        stdin.write(f"{operation} {calls}\n")
        stdin.flush()
        return float(self._answer()["seconds"])

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=30)


def _spread(values: list[float], digits: int) -> dict[str, float]:
    return {
        "min": round(min(values), digits),
        "median": round(statistics.median(values), digits),
        "max": round(max(values), digits),
    }


def _git_commit() -> str:
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=HERE, capture_output=True, text=True, check=False)
    dirty = subprocess.run(
        ["git", "status", "--porcelain"], cwd=HERE, capture_output=True, text=True, check=False
    )
    return done.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


CALIBRATION_CALLS = 20
MOST_CALLS = 5000
MOST_STORING_CALLS = 200


async def calls_lasting(fixture: Fixture, operation: str, seconds: float) -> int:
    """How many calls of ``operation`` take about ``seconds`` through the bridge; a write makes
    at most MOST_STORING_CALLS, since world-local's stream reads list every chunk file the
    writes leave in one directory."""
    spent = await through_bridge(fixture, operation, CALIBRATION_CALLS)
    most = MOST_STORING_CALLS if operation in STORING else MOST_CALLS
    return max(CALIBRATION_CALLS, min(most, round(seconds / (spent.wall / CALIBRATION_CALLS))))


Placement = frozenset[int] | None
"""The CPUs every process of the benchmark may run on; ``None`` where the system cannot pin."""


def placements(one_cpu: bool) -> dict[str, Placement]:
    """The placements each round measures: ``spread`` (the CPUs the benchmark started with) and,
    with ``one_cpu`` on a system that can pin, ``one_cpu``: Python, its Node process and the
    in-Node process all on one CPU. Where a read waits for world-local's file I/O (libuv's
    thread pool) or for the other process, every wake-up on another CPU costs a cross-CPU
    interrupt, which on a virtual machine can cost more than the work woken for: on one, the
    in-Node ``runs.get`` ran 2.3 times as fast pinned as spread, and the bridge's 1.05 times."""
    if not hasattr(os, "sched_setaffinity"):
        if one_cpu:
            print("this system cannot pin a process to a CPU: measuring spread only", file=sys.stderr)
        return {"spread": None}
    started_on = frozenset(os.sched_getaffinity(0))
    return (
        {"spread": started_on, "one_cpu": frozenset({max(started_on)})} if one_cpu else {"spread": started_on}
    )


def _place(pids: list[int], cpus: Placement) -> None:
    """Every thread of every process in ``pids`` may run on ``cpus`` only (threads they start
    later inherit it from the thread that starts them); nothing where ``cpus`` is ``None``."""
    if cpus is None:
        return
    for pid in pids:
        for thread in _threads_of(pid):
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                os.sched_setaffinity(int(thread.name), cpus)


def _ratios(node: list[float], bridge: list[float]) -> list[float]:
    """Per round, the bridge's rate over the in-Node rate measured beside it."""
    return [through / inside for inside, through in zip(node, bridge, strict=True)]


def _best_against_best(node: dict[str, list[float]], bridge: dict[str, list[float]]) -> list[float]:
    """Per round, the bridge's best rate over the placements divided by the in-Node best: each
    side where it runs fastest, so neither is judged by a placement that handicaps it."""
    rounds = len(next(iter(node.values())))
    return [
        max(rates[index] for rates in bridge.values()) / max(rates[index] for rates in node.values())
        for index in range(rounds)
    ]


async def measure(
    seconds: float,
    rounds: int,
    warm_up: int,
    operations: list[str],
    where: dict[str, Placement],
    command: str,
) -> dict[str, Any]:
    in_node = InNode()
    fixture = await build_fixture()
    (node_process,) = live_processes()
    pids = [os.getpid(), node_process.pid, in_node.pid]
    rates: dict[str, dict[str, dict[str, list[float]]]] = {
        name: {place: {"node": [], "bridge": []} for place in where} for name in operations
    }
    splits: dict[str, dict[str, list[dict[str, float]]]] = {
        name: {place: [] for place in where} for name in operations
    }
    loads = [os.getloadavg()[0]]
    echo: list[float] = []
    try:
        if warm_up:
            for operation in (name for name in operations if name not in STORING):
                in_node.seconds(operation, warm_up)
                await through_bridge(fixture, operation, warm_up)
            print(f"warmed up: {warm_up} untimed calls of each read on both sides", file=sys.stderr)
        calls = {operation: await calls_lasting(fixture, operation, seconds) for operation in operations}
        for round_number in range(rounds):
            for index, operation in enumerate(operations):
                # Alternate which placement and which side go first, round by round.
                flipped = (round_number + index) % 2 == 1
                for place in reversed(where) if flipped else where:
                    _place(pids, where[place])
                    count = calls[operation]
                    for side in ("bridge", "node") if flipped else ("node", "bridge"):
                        if side == "node":
                            took = in_node.seconds(operation, count)
                        else:
                            spent = await through_bridge(fixture, operation, count)
                            splits[operation][place].append(spent.per_call_microseconds())
                            took = spent.wall
                        rates[operation][place][side].append(count / took)
            _place(pids, where["spread"])
            echo.append(await round_trip_seconds(fixture, MOST_CALLS))
            loads.append(os.getloadavg()[0])
            print(f"round {round_number + 1}/{rounds} done, load {loads[-1]:.2f}", file=sys.stderr)
    finally:
        await fixture.world.close()
        in_node.close()
    results: dict[str, Any] = {}
    for operation, by_place in rates.items():
        best = _best_against_best(
            {place: sides["node"] for place, sides in by_place.items()},
            {place: sides["bridge"] for place, sides in by_place.items()},
        )
        results[operation] = {
            "calls_per_measurement": calls[operation],
            "ratio": _spread(best, 3),
            "meets_target": statistics.median(best) >= TARGET,
            "placements": {
                place: {
                    "in_node_per_second": _spread(sides["node"], 1),
                    "through_bridge_per_second": _spread(sides["bridge"], 1),
                    "ratio": _spread(_ratios(sides["node"], sides["bridge"]), 3),
                    "bridge_call_microseconds": {
                        share: _spread([split[share] for split in splits[operation][place]], 1)
                        for share in splits[operation][place][0]
                    },
                }
                for place, sides in by_place.items()
            },
        }
    return {
        "package": PACKAGE,
        "command": command,
        "commit": _git_commit(),
        "seconds_per_measurement": seconds,
        "rounds": rounds,
        "warm_up_calls": warm_up,
        "placements": {
            place: "not pinned" if cpus is None else sorted(cpus) for place, cpus in where.items()
        },
        "statistic": "min/median/max over rounds. Per placement, a round's ratio divides the bridge's "
        "rate by the in-Node rate measured right before or after it; an operation's ratio divides, "
        "per round, the bridge's best rate over the placements by the in-Node best",
        "target": f"ratio >= {TARGET} for every operation (median over rounds)",
        "machine": {
            "python": platform.python_version(),
            "node": subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip(),
            "system": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_1min": _spread(loads, 2),
        },
        "round_trip_microseconds": _spread([seconds * 1e6 for seconds in echo], 1),
        "operations": results,
        "below_target": sorted(name for name, found in results.items() if not found["meets_target"]),
    }


def _loop_factory(use_uvloop: bool) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop when asked for (the kit itself runs every World on asyncio's own)."""
    if not use_uvloop:
        return None
    try:
        import uvloop
    except ImportError:
        raise SystemExit("--uvloop needs uvloop: pip install uvloop") from None
    new_loop: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return new_loop


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--seconds", type=float, default=0.25, help="about how long each measurement lasts through the bridge"
    )
    parser.add_argument(
        "--rounds", type=int, default=7, help="rounds; each measures every operation on both sides"
    )
    parser.add_argument(
        "--warm-up",
        type=int,
        default=2000,
        help="untimed calls of each operation that stores nothing, on both sides, before the rounds",
    )
    parser.add_argument(
        "--uvloop",
        action="store_true",
        help="run NodeWorld on uvloop's event loop (pip install uvloop); the kit runs Worlds on asyncio's",
    )
    parser.add_argument(
        "--spread-only",
        action="store_true",
        help="skip the one-CPU placement (by default each round measures both; see placements())",
    )
    parser.add_argument("--only", nargs="*", choices=sorted(OPERATIONS), help="measure these operations only")
    parser.add_argument(
        "--no-write",
        action="store_true",
        help=f"print only; leave {RESULTS.name} (or {RESULTS_UVLOOP.name}) as it is",
    )
    options = parser.parse_args()
    command = (
        f"python benchmarks/bench_bridge.py --seconds {options.seconds} --rounds {options.rounds}"
        f" --warm-up {options.warm_up}"
    )
    if options.uvloop:
        command += " --uvloop"
    if options.spread_only:
        command += " --spread-only"
    if options.only:
        command += f" --only {' '.join(options.only)}"
    operations = options.only or list(OPERATIONS)
    with asyncio.Runner(loop_factory=_loop_factory(options.uvloop)) as runner:
        document = runner.run(
            measure(
                options.seconds,
                options.rounds,
                options.warm_up,
                operations,
                placements(one_cpu=not options.spread_only),
                command,
            )
        )
    document["event_loop"] = "uvloop" if options.uvloop else "asyncio"
    if not options.no_write:
        results = RESULTS_UVLOOP if options.uvloop else RESULTS
        results.parent.mkdir(parents=True, exist_ok=True)
        results.write_text(json.dumps(document, indent=2) + "\n")
    print(json.dumps(document, indent=2))


if __name__ == "__main__":
    main()
