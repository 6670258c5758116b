"""One OS process of a race: ``python -m tests.postgres_race_worker '<json>'``.

It opens a PostgresWorld on the given schema (shared with the other racers), prints ``ready``,
waits for a line on stdin (the start signal, sent once every racer is ready), fires every create
of its scenario at once, and prints one JSON line: for each create, the event type it stored,
``no event``, or the name of the error it raised.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from conformance.checks import make
from reference_worlds.postgres import PostgresWorld
from worldspec.errors import WorkflowError
from worldspec.events import EventRequest
from worldspec.wire_types import MISSING


def _requests(scenario: str, plan: dict[str, Any]) -> list[tuple[str, EventRequest]]:
    """``(run_id, request)`` pairs this process sends, each ``copies`` times."""
    copies = int(plan["copies"])
    if scenario == "run_created":
        return [(run_id, make.run_created(name=plan["workflow"])) for run_id in plan["run_ids"]] * copies
    if scenario == "resilient_start":
        start = make.run_started(resilient=True, input=b"devl", name=plan["workflow"])
        return [(run_id, start) for run_id in plan["run_ids"]] * copies
    if scenario == "hook_token":
        return [
            (run_id, make.hook_created(make.new_id("hook"), token))
            for token in plan["tokens"]
            for run_id in plan["run_ids"]
            for _ in range(copies)
        ]
    if scenario == "step_started":
        return [(plan["run_ids"][0], make.step_started(plan["step_id"]))] * copies
    raise ValueError(f"unknown scenario {scenario!r}")


async def _outcome(world: PostgresWorld, run_id: str, request: EventRequest) -> str:
    try:
        result = await world.events.create(run_id, request)
    except WorkflowError as error:
        return error.name
    return "no event" if result.event is MISSING else str(result.event.event_type)


async def main(plan: dict[str, Any]) -> list[str]:
    async with PostgresWorld(dsn=plan["dsn"], schema=plan["schema"], pool_size=8) as world:
        requests = _requests(plan["scenario"], plan)
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        return list(await asyncio.gather(*(_outcome(world, run_id, request) for run_id, request in requests)))


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))))
