"""What a run's end must leave alone when it releases its hooks (§4.2, §4.4), judged alike on both
lines (HOOK-008, HOOK-101).

A World whose store keeps a token index beside its hooks releases a run's tokens at the run's
end by deleting index entries. Deleting by token alone (``DEL token:<t>`` for every token the
run's hooks ever took) frees tokens the run no longer holds: one its hook gave up by
``hook_disposed`` and another run's live hook took since, or, on a repeated ``run_cancelled``,
one freed at the first cancel and taken since. The entry must go only while it names the
run's own hook.
"""

from __future__ import annotations

from conformance.checks import make
from conformance.checks.expect import fail, returns
from conformance.checks.reads import every_hook_id
from conformance.checks.scenarios import create, finish_run, live_hook, started_run
from worldspec.events import event_data_of
from worldspec.protocol import World
from worldspec.wire_types import MISSING

__all__ = ["ended_hooks_left_every_list", "taken_tokens_survive_the_end"]


async def taken_tokens_survive_the_end(world: World, kind: str) -> None:
    """A run ended by ``kind`` (and, for ``run_cancelled``, cancelled again) leaves alone the
    token its disposed hook gave up and another run's live hook took, and, after the first end,
    the token its released hook gave up and a third run's hook took: ``getByToken`` still finds
    the new holder, and ``hook_created`` with the token logs ``hook_conflict`` naming it (a
    ``hook_conflict`` that names no run is HOOK-002's to judge, not blamed here)."""
    ending = await started_run(world)
    disposed, given_up = await live_hook(world, ending)
    await create(world, ending, make.hook_disposed(disposed))
    holders = {given_up: await _take(world, given_up, "a token a disposed hook gave up")}
    _, released = await live_hook(world, ending)
    await finish_run(world, ending, kind)
    if kind == "run_cancelled":
        holders[released] = await _take(world, released, "a token a cancelled run's end freed")
        await finish_run(world, ending, kind)
    ended = f"the run that gave it up got {kind}" + (" twice" if kind == "run_cancelled" else "")
    for token, (holder_run, holder) in holders.items():
        found = await returns(world.hooks.get_by_token(token), f"hooks.getByToken after {ended}")
        result = await returns(
            world.events.create(await started_run(world), make.hook_created(make.new_id("hook"), token)),
            f"hook_created with the token after {ended}",
        )
        logged = result.event if result.event is not MISSING else None
        conflicting = (event_data_of(logged) or {}).get("conflictingRunId") if logged is not None else None
        named = conflicting in (None, holder_run)
        if found.hook_id != holder or logged is None or logged.event_type != "hook_conflict" or not named:
            fail(
                f"a run's end frees only the tokens its own hooks hold: the hook of another run that took "
                f"a token before {ended} keeps it",
                f"getByToken found {found.hook_id} (holder {holder}); hook_created with the token logged "
                f"{None if logged is None else logged.event_type} naming {conflicting!r}",
                ("token", token),
                ("result", result),
            )


async def _take(world: World, token: str, what: str) -> tuple[str, str]:
    """A hook of a new running run created with ``token`` (which must be free); its
    ``(runId, hookId)``."""
    run_id, hook_id = await started_run(world), make.new_id("hook")
    result = await create(world, run_id, make.hook_created(hook_id, token))
    if result.hook is MISSING or result.hook.hook_id != hook_id:
        fail(f"another run creates a hook with {what}", "did not", ("result", result))
    return run_id, hook_id


async def ended_hooks_left_every_list(world: World, released: dict[str, str]) -> None:
    """``hooks.list()`` without a runId lists none of the hooks in ``released`` (hookId → how it
    was released)."""
    listed = await every_hook_id(world)
    if still := {hook_id: why for hook_id, why in released.items() if hook_id in listed}:
        fail(
            "hooks.list() of every run no longer lists a released hook",
            f"still lists {len(still)} of {len(released)}",
            ("still listed", still),
        )
