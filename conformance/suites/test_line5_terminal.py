"""After a run ends, on the 5.x line (world-contract-v7.md §4.4, §4.6): hooks go unless
retained, and the log grows only by what finishes in-flight steps. These replace HOOK-008 and
TERM-002 for spec 6 and above."""

from __future__ import annotations

from conformance.catalogue.marker import invariant
from conformance.checks import make
from conformance.checks.expect import fail, rejects, returns
from conformance.checks.hook_release import ended_hooks_left_every_list, taken_tokens_survive_the_end
from conformance.checks.scenarios import (
    TERMINAL_RUN_EVENTS,
    create,
    finish_run,
    kinds_logged_after_the_end,
    live_hook,
    started_run,
)
from conformance.world.capabilities import declares_on_line_5
from worldspec.line5.capabilities import Capability as LineFiveCapability
from worldspec.pagination import PaginationOptions
from worldspec.protocol import World
from worldspec.wire_types import MISSING

STEP_ENDINGS = frozenset({"step_completed", "step_failed", "step_retrying"})


@invariant("HOOK-101")
async def test_ended_run_keeps_no_unretained_hook(world: World) -> None:
    """When a run completes, fails or is cancelled, its hooks created without
    ``tokenRetentionUntil`` go: ``hooks.list`` for the run is empty, ``hooks.get`` and
    ``getByToken`` miss, ``hooks.list()`` of every run no longer lists them, and another run
    can create a hook with a freed token (a ``hook_created``, not a ``hook_conflict``). The end
    frees only the tokens the run's hooks still hold: a token its disposed hook gave up, or (on
    a second ``run_cancelled``) its first end freed, stays with the other run's hook that took
    it since."""
    released: dict[str, str] = {}
    for kind in TERMINAL_RUN_EVENTS:
        run_id = await started_run(world)
        hooks = [await live_hook(world, run_id), await live_hook(world, run_id)]
        await finish_run(world, run_id, kind)
        listed = await returns(
            world.hooks.list(run_id=run_id, pagination=PaginationOptions(limit=100)), "hooks.list({runId})"
        )
        if listed.data:
            fail(f"after {kind}, hooks.list for the run is empty", "lists hooks", ("hooks", listed.data))
        for hook_id, token in hooks:
            await rejects(world.hooks.get(hook_id), f"hooks.get of a hook of a run after {kind}")
            await rejects(world.hooks.get_by_token(token), f"hooks.getByToken of a hook's token after {kind}")
            released[hook_id] = f"its run got {kind}"
        reused = await create(
            world, await started_run(world), make.hook_created(make.new_id("hook"), hooks[0][1])
        )
        if reused.event is MISSING or reused.event.event_type != "hook_created":
            fail(
                f"after {kind}, another run creates a hook with a freed token", "did not", ("result", reused)
            )
        await taken_tokens_survive_the_end(world, kind)
    await ended_hooks_left_every_list(world, released)


@invariant("TERM-101")
async def test_ended_run_logs_only_step_endings(world: World) -> None:
    """After a run's terminal event its log grows only by ``step_completed``, ``step_failed``
    and ``step_retrying`` of steps that were running and, on a cancelled run, by more
    ``run_cancelled``: checked after trying every type a client may send (a bare start
    included, which the 5.x line expires) on ended runs that had a pending and a running step, a
    live hook and a waiting wait, and, on a World that declares a sealed log, by the ``noop``s
    that may fill the positions of the refused ones. (Hooks here are not retained.)"""
    sealed = {"noop"} if declares_on_line_5(world, LineFiveCapability.SEALED_LOG) else set()
    for kind in TERMINAL_RUN_EVENTS:
        later, kinds = await kinds_logged_after_the_end(world, kind)
        allowed = STEP_ENDINGS | sealed | ({"run_cancelled"} if kind == "run_cancelled" else set())
        if set(later) - allowed:
            fail(
                f"after {kind} only {sorted(allowed)} are appended",
                f"appended {sorted(set(later) - allowed)}",
                ("log", kinds),
            )
