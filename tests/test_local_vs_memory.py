"""LocalWorld answers as the oracle does: one scenario over every part of the contract, run
against MemoryWorld and LocalWorld, must give the same results, call by call.

Results are compared in wire form without the clock's timestamps; eventIds are replaced by
their order of appearance and cursors (opaque) by whether they are there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from conformance.checks import make
from reference_worlds.local import LocalWorld
from reference_worlds.memory import MemoryWorld
from worldspec.errors import WorkflowError, WorkflowWorldError
from worldspec.events import CreateEventParams
from worldspec.pagination import PaginationOptions

CLOCK_FIELDS = frozenset({"createdAt", "updatedAt", "startedAt", "completedAt"})


class _Recorder:
    def __init__(self) -> None:
        self.results: list[Any] = []
        self._event_ids: dict[str, str] = {}

    def _normal(self, value: Any) -> Any:
        if isinstance(value, BaseModel):
            value = value.model_dump(by_alias=True, mode="python")
        if isinstance(value, dict):
            return {
                key: ("<cursor>" if key == "cursor" and item is not None else self._normal(item))
                for key, item in value.items()
                if key not in CLOCK_FIELDS
            }
        if isinstance(value, list):
            return [self._normal(item) for item in value]
        if isinstance(value, str) and value.startswith("evnt_"):
            return self._event_ids.setdefault(value, f"event#{len(self._event_ids)}")
        return value

    async def __call__(self, label: str, call: Awaitable[Any]) -> Any:
        try:
            result = await call
        except WorkflowError as error:
            status = error.status if isinstance(error, WorkflowWorldError) else None
            self.results.append((label, "raised", error.name, status))
            return None
        self.results.append((label, self._normal(result)))
        return result


def _page(limit: int, order: str = "asc", cursor: str | None = None) -> PaginationOptions:
    return PaginationOptions(limit=limit, sort_order=order, **({"cursor": cursor} if cursor else {}))


async def _scenario(world: Any, ids: dict[str, str]) -> list[Any]:
    record = _Recorder()
    run_a, run_b, run_c, run_d = ids["run_a"], ids["run_b"], ids["run_c"], ids["run_d"]
    s1, s2, h1, h2, h3, w1 = ids["s1"], ids["s2"], ids["h1"], ids["h2"], ids["h3"], ids["w1"]
    name = "workflow//./scenario//wf"
    none = CreateEventParams(resolve_data="none")
    past = datetime(2024, 1, 1, tzinfo=UTC)
    await record("created A", world.events.create(run_a, make.run_created(name=name, input=b"\x00a")))
    await record("started A", world.events.create(run_a, make.run_started()))
    await record("started A again", world.events.create(run_a, make.run_started()))
    await record("step 1 created", world.events.create(run_a, make.step_created(s1, input=b"in"), none))
    await record("step 1 started", world.events.create(run_a, make.step_started(s1)))
    await record("step 1 retrying", world.events.create(run_a, make.step_retrying(s1, retry_after=past)))
    await record("step 1 started again", world.events.create(run_a, make.step_started(s1)))
    await record("step 1 completed", world.events.create(run_a, make.step_completed(s1, result=b"out")))
    await record("step 1 started late", world.events.create(run_a, make.step_started(s1)))
    await record("step 2 created", world.events.create(run_a, make.step_created(s2)))
    await record("step 2 failed", world.events.create(run_a, make.step_failed(s2, error={"message": "no"})))
    await record("unknown step", world.events.create(run_a, make.step_started(make.new_id("step"))))
    await record("hook 1", world.events.create(run_a, make.hook_created(h1, "token-1", metadata=b"m")))
    await record("hook 1 received", world.events.create(run_a, make.hook_received(h1, payload=b"p")))
    await record("hook 1 again", world.events.create(run_a, make.hook_created(h1, "token-9")))
    await record("created B", world.events.create(run_b, make.run_created(name=name)))
    await record("hook 3 on B conflicts", world.events.create(run_b, make.hook_created(h3, "token-1")))
    await record("hook 1 disposed", world.events.create(run_a, make.hook_disposed(h1)))
    await record("hook 1 received after", world.events.create(run_a, make.hook_received(h1, payload=b"")))
    await record("hook 2 takes token", world.events.create(run_a, make.hook_created(h2, "token-1")))
    await record("hook 3 on B", world.events.create(run_b, make.hook_created(h3, "token-3")))
    await record("wait 1", world.events.create(run_b, make.wait_created(w1, past + timedelta(days=1))))
    await record("wait 1 again", world.events.create(run_b, make.wait_created(w1, past)))
    await record("wait 1 done", world.events.create(run_b, make.wait_completed(w1)))
    await record("wait 1 done again", world.events.create(run_b, make.wait_completed(w1)))
    await record("hooks", world.hooks.list(pagination=_page(10)))
    await record("hooks, default order", world.hooks.list())
    await record("steps, default order", world.steps.list(run_a))
    await record("runs, default order", world.runs.list())
    await record("hooks of B", world.hooks.list(run_id=run_b, resolve_data="none"))
    await record("by token", world.hooks.get_by_token("token-1"))
    await record("hook 3", world.hooks.get(h3))
    await record("steps of A", world.steps.list(run_a, pagination=_page(1, "desc")))
    await record("step 1 alone", world.steps.get(None, s1))
    await record("runs", world.runs.list(pagination=_page(10)))
    await record("pending runs", world.runs.list(status="pending", workflow_name=name))
    await record("A fails", world.events.create(run_a, make.run_failed(error="boom")))
    await record("hooks after", world.hooks.list())
    await record("step on failed A", world.events.create(run_a, make.step_created(make.new_id("step"))))
    await record("A cancelled", world.events.create(run_a, make.run_cancelled()))
    await record("A started", world.events.create(run_a, make.run_started()))
    await record(
        "legacy C",
        world.events.create(run_c, make.run_created(name=name, input={"x": [0, ""]}, spec_version=1)),
    )
    await record("legacy received", world.events.create(run_c, make.hook_received(h3, payload=None)))
    await record("legacy step refused", world.events.create(run_c, make.step_created(make.new_id("step"))))
    await record("legacy cancel", world.events.create(run_c, make.run_cancelled()))
    await record("legacy cancel again", world.events.create(run_c, make.run_cancelled()))
    await record(
        "resilient D", world.events.create(run_d, make.run_started(resilient=True, input=b"r", name=name))
    )
    await record(
        "newer run", world.events.create(make.new_id("wrun"), make.run_created(name=name, spec_version=4))
    )
    await record("missing run", world.runs.get(make.new_id("wrun")))
    await record("bad cursor", world.events.list(run_a, pagination=_page(2, cursor="not a cursor")))
    cursor: str | None = None
    for order in ("asc", "desc"):
        while True:
            listed = await record(f"A {order}", world.events.list(run_a, pagination=_page(4, order, cursor)))
            cursor = listed.cursor if listed is not None and listed.has_more else None
            if cursor is None:
                break
    await record("by correlation", world.events.list_by_correlation_id(s1, resolve_data="none"))
    await record("by correlation in B", world.events.list_by_correlation_id(h3, run_id=run_b))
    await record("one event", world.events.get(run_b, "evnt_00000000000000000000000000"))
    return record.results


def test_local_world_gives_the_oracles_answers(tmp_path: Path) -> None:
    ids = {key: make.new_id(key[:-2].replace("run", "wrun")) for key in ("run_a", "run_b", "run_c", "run_d")}
    ids |= {
        key: make.new_id({"s": "step", "h": "hook", "w": "wait"}[key[0]])
        for key in ("s1", "s2", "h1", "h2", "h3", "w1")
    }

    async def both() -> tuple[list[Any], list[Any]]:
        memory, local = MemoryWorld(), LocalWorld(tmp_path)
        try:
            return await _scenario(memory, ids), await _scenario(local, ids)
        finally:
            await memory.close()
            await local.close()

    expected, got = asyncio.run(both())
    assert len(got) == len(expected)
    for oracle, answer in zip(expected, got, strict=True):
        assert answer == oracle
