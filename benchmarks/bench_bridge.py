"""World calls per second through the Node bridge against the same calls made inside Node.

    python benchmarks/bench_bridge.py [--calls N]

Both sides run the same sequential calls (one in flight at a time) on
``@workflow/world-local@4.4.1``: ``runs.get``, ``events.create`` (``step_created``) and
``events.list`` (20 events), plus ``bridge.echo`` of the same payload, the cost of the channel
alone. World-local's speed depends on the disk and on whatever else the machine runs, so the
two sides alternate for ``--rounds`` rounds and each rate is the median of its rounds. Writes
benchmarks/results/bridge.json; the goal is at least half the in-Node rate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from reference_worlds.node import NodeWorld
from reference_worlds.node.install import install
from worldspec.events import (
    RunCreatedData,
    RunCreatedRequest,
    RunStartedRequest,
    StepCreatedData,
    StepCreatedRequest,
)
from worldspec.pagination import PaginationOptions

PACKAGE = "@workflow/world-local@4.4.1"
HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "bridge.json"


async def _rate(calls: int, operation: Callable[[int], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    for index in range(calls):
        await operation(index)
    return calls / (time.perf_counter() - started)


async def through_bridge(calls: int) -> dict[str, float]:
    world = NodeWorld(PACKAGE)
    await world.start()
    payload = bytes(64)
    try:
        created = await world.events.create(
            None,
            RunCreatedRequest(
                event_data=RunCreatedData(deployment_id="dpl_bench", workflow_name="bench", input=payload)
            ),
        )
        run_id = created.run.run_id
        await world.events.create(run_id, RunStartedRequest())

        def step(index: int) -> Awaitable[Any]:
            request = StepCreatedRequest(
                correlation_id=f"step_py_{index}",
                event_data=StepCreatedData(step_name="bench", input=payload),
            )
            return world.events.create(run_id, request)

        return {
            "runs.get": await _rate(calls, lambda _: world.runs.get(run_id)),
            "events.create step_created": await _rate(calls, step),
            "events.list 20": await _rate(
                calls, lambda _: world.events.list(run_id, pagination=PaginationOptions(limit=20))
            ),
            "bridge.echo (channel only)": await _rate(calls, lambda _: world.call("bridge.echo", payload)),
        }
    finally:
        await world.close()


def inside_node(calls: int) -> dict[str, float]:
    entry = install(PACKAGE)
    done = subprocess.run(
        ["node", str(HERE / "bench_in_node.mjs"), str(entry), str(calls)],
        capture_output=True,
        text=True,
        check=True,
    )
    rates: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return rates


def _medians(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {name: statistics.median(found[name] for found in rounds) for name in rounds[0]}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=1000, help="calls per operation and round")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per side")
    options = parser.parse_args()
    calls = options.calls
    load_before = os.getloadavg()[0]
    node_rounds, bridge_rounds = [], []
    for _ in range(options.rounds):
        node_rounds.append(inside_node(calls))
        bridge_rounds.append(asyncio.run(through_bridge(calls)))
    node, bridged = _medians(node_rounds), _medians(bridge_rounds)
    operations = {
        name: {
            "in_node_per_second": round(node[name], 1),
            "through_bridge_per_second": round(bridged[name], 1),
            "bridge_share_of_in_node": round(bridged[name] / node[name], 3),
        }
        for name in node
    }
    document = {
        "package": PACKAGE,
        "calls_per_operation_and_round": calls,
        "rounds": options.rounds,
        "statistic": "median over rounds of calls per second",
        "machine": {
            "python": platform.python_version(),
            "system": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        },
        "operations": operations,
        "bridge_echo_per_second": round(bridged["bridge.echo (channel only)"], 1),
        "goal": "through_bridge_per_second >= 0.5 * in_node_per_second for every operation",
        "goal_met": all(entry["bridge_share_of_in_node"] >= 0.5 for entry in operations.values()),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    print(json.dumps(document, indent=2))


if __name__ == "__main__":
    main()
