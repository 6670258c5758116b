"""Hook retention on the 5.x line (world-contract-v7.md §4.4 "Retention"): a hook whose
``tokenRetentionUntil`` is still ahead when its run ends stays readable and keeps its token until
then. Judged only on a World whose ``capabilities`` declare ``hookRetention: {active: true}``."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from conformance.catalogue.marker import invariant
from conformance.checks import make, make_line5
from conformance.checks.expect import fail, raises, returns
from conformance.checks.reads import WHOLE_PAGE, all_events
from conformance.checks.scenarios import (
    TERMINAL_RUN_EVENTS,
    create,
    event_in,
    finish_run,
    run_in,
    started_run,
)
from conformance.world.capabilities import capabilities_of
from worldspec.capabilities import Capability
from worldspec.errors import HookNotFoundError, WorkflowError, WorkflowWorldError
from worldspec.protocol import World
from worldspec.wire_types import MISSING

SHORT_RETENTION = timedelta(seconds=2)
"""A retention the kit waits out: long enough to end the run and read the hook before it passes."""
PAST_IT = 1.0
"""Seconds the kit waits beyond a retention's end, for a World whose clock lags the kit's."""
LONG_RETENTIONS = (timedelta(days=365), timedelta(days=365 * 100))
"""Retentions a World may find too long (world-local caps at 30 days)."""


def _ahead(by: timedelta) -> datetime:
    """Now plus ``by``, truncated to the millisecond as a JavaScript Date holds it."""
    moment = datetime.now(UTC) + by
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


async def _retained_hook(
    world: World, kind: str, retention: timedelta, *, zero_retention: bool = False
) -> tuple[str, str, str]:
    """A hook kept for ``retention`` by a run then ended by ``kind``; ``(runId, hookId, token)``.
    With ``zero_retention`` the run has ``$retention: '0'``, so its end purges the hook's
    metadata as well (§12 ``retention``)."""
    if zero_retention:
        request = make_line5.run_created(attributes={"$retention": "0"}, allow_reserved=True)
        run_id = run_in(await create(world, None, request), "run_created", "RUN-001").run_id
        await create(world, run_id, make.run_started())
    else:
        run_id = await started_run(world)
    hook_id, token = make.new_id("hook"), make.token()
    request = make_line5.hook_created(
        hook_id, token, retention_until=_ahead(retention), metadata=b"devl\x00m"
    )
    await create(world, run_id, request)
    await finish_run(world, run_id, kind)
    return run_id, hook_id, token


async def _listed_hook_ids(world: World, run_id: str) -> list[str]:
    listed = await returns(world.hooks.list(run_id=run_id, pagination=WHOLE_PAGE), "hooks.list of the run")
    return [hook.hook_id for hook in listed.data]


async def _conflict_or_hook(world: World, token: str) -> tuple[str, Any]:
    """``hook_created`` with ``token`` in a new run: the event type it logged and its data."""
    other = await started_run(world)
    result = await returns(
        world.events.create(other, make.hook_created(make.new_id("hook"), token)),
        "hook_created with the token in another run",
    )
    event = event_in(result, "hook_created", "HOOK-001")
    return event.event_type, getattr(event, "event_data", MISSING)


async def _token_is_free(world: World, token: str, expected: str) -> None:
    """``hook_created`` with ``token`` in a new run creates the hook (``expected`` says why it
    must)."""
    logged, data = await _conflict_or_hook(world, token)
    if logged != "hook_created":
        fail(expected, f"hook_created with the token logged {logged}", ("eventData", data))


async def _just_short_of_a_second() -> datetime:
    """A ``tokenRetentionUntil`` at the last millisecond of the current second, at least half a
    second ahead (the kit first waits out the second when less than that is left): a World that
    lets it expire at whole seconds (``EXPIREAT key Math.floor(until / 1000)``) has let it go
    before the run even ends."""
    now = datetime.now(UTC)
    if now.microsecond >= 500_000:
        await asyncio.sleep((1_000_000 - now.microsecond) / 1_000_000)
        now = datetime.now(UTC)
    return now.replace(microsecond=999_000)


@invariant("HRET-001", requires=Capability.HOOK_RETENTION)
async def test_a_retained_hook_outlives_its_run(world: World) -> None:
    """A hook whose ``tokenRetentionUntil`` is an hour ahead, of a run ended by each terminal
    event, is still returned by ``hooks.get``, ``hooks.getByToken`` and ``hooks.list``; so is
    one whose retention ends half a second to a second later, at the last millisecond of a
    second (a retention kept in whole seconds ends too soon)."""
    for kind in TERMINAL_RUN_EVENTS:
        run_id, hook_id, token = await _retained_hook(world, kind, timedelta(hours=1))
        await _still_retained(world, run_id, hook_id, token, f"retained an hour past its run's end ({kind})")
    run_id = await started_run(world)
    hook_id, token = make.new_id("hook"), make.token()
    until = await _just_short_of_a_second()
    await create(world, run_id, make_line5.hook_created(hook_id, token, retention_until=until))
    await finish_run(world, run_id, "run_completed")
    await _still_retained(
        world, run_id, hook_id, token, f"retained until {until.isoformat()} (its run ended just before)"
    )


async def _still_retained(world: World, run_id: str, hook_id: str, token: str, what: str) -> None:
    """``hooks.get``, ``getByToken`` and ``hooks.list`` show the hook, ``what`` says how retained."""
    by_id = await returns(world.hooks.get(hook_id), f"hooks.get of a hook {what}")
    by_token = await returns(world.hooks.get_by_token(token), f"hooks.getByToken of a hook {what}")
    listed = await _listed_hook_ids(world, run_id)
    if (by_id.hook_id, by_id.run_id, by_token.hook_id) != (hook_id, run_id, hook_id) or hook_id not in listed:
        fail(
            f"a hook {what} is returned by get, getByToken and list",
            "did not show it",
            ("hooks.get", by_id),
            ("hooks.getByToken", by_token),
            ("hooks.list ids", listed),
        )


@invariant("HRET-002", requires=Capability.HOOK_RETENTION)
async def test_a_retained_hooks_token_stays_taken(world: World) -> None:
    """While a hook of a run ended by each terminal event is retained, ``hook_created`` with its
    token in another run logs ``hook_conflict`` naming the retained hook's runId."""
    for kind in TERMINAL_RUN_EVENTS:
        run_id, _, token = await _retained_hook(world, kind, timedelta(hours=1))
        logged, data = await _conflict_or_hook(world, token)
        conflicting = getattr(data, "conflicting_run_id", MISSING)
        if logged != "hook_conflict" or conflicting != run_id:
            fail(
                f"the token of a hook retained past its run's end ({kind}) stays taken: hook_created "
                f"with it logs hook_conflict with conflictingRunId {run_id}",
                f"logged {logged} with conflictingRunId {conflicting!r}",
                ("eventData", data),
            )


@invariant("HRET-003", requires=Capability.HOOK_RETENTION, lengthy=True)
async def test_a_retained_hook_goes_when_its_retention_ends(world: World) -> None:
    """Once ``tokenRetentionUntil`` has passed, a hook that outlived its run is gone:
    ``hooks.get`` and ``getByToken`` raise ``HookNotFoundError``, ``hooks.list`` omits it, and
    ``hook_created`` with its token in another run creates the hook. The token is asked for
    first, of a second such hook no read has touched since it expired: the runtime creates a
    hook without reading the old one, so a World that lets a hook go only when a read sweeps
    it must not pass. On a World that declares ``retention`` that second hook's run has
    ``$retention: '0'``: the purge at its end, which rewrites the hook without its metadata,
    must not make it outlive its retention (a Redis ``SET`` without ``KEEPTTL`` drops the
    key's expiry)."""
    run_id, hook_id, token = await _retained_hook(world, "run_completed", SHORT_RETENTION)
    purges = capabilities_of(world).has(Capability.RETENTION)
    _, _, untouched_token = await _retained_hook(world, "run_failed", SHORT_RETENTION, zero_retention=purges)
    await returns(world.hooks.get(hook_id), "hooks.get of the hook while it is retained")
    await asyncio.sleep(SHORT_RETENTION.total_seconds() + PAST_IT)
    await _token_is_free(
        world,
        untouched_token,
        "after tokenRetentionUntil a retained hook's token is free, before any read of it",
    )
    await raises(HookNotFoundError, world.hooks.get(hook_id), "hooks.get after tokenRetentionUntil")
    await raises(
        HookNotFoundError, world.hooks.get_by_token(token), "hooks.getByToken after tokenRetentionUntil"
    )
    listed = await _listed_hook_ids(world, run_id)
    if hook_id in listed:
        fail(
            "after tokenRetentionUntil the retained hook is gone from hooks.list",
            f"hooks.list shows {listed}",
        )
    await _token_is_free(world, token, "after tokenRetentionUntil the retained hook's token is free")


@invariant("HRET-004", requires=Capability.HOOK_RETENTION)
async def test_disposing_a_retained_hook_frees_it_or_is_refused(world: World) -> None:
    """``hook_disposed`` on a hook retained past its run's end either deletes it (``hooks.get``
    raises ``HookNotFoundError``, its token is free) or raises ``HookNotFoundError`` and logs
    nothing (the hook stays retained)."""
    for kind in TERMINAL_RUN_EVENTS:
        run_id, hook_id, token = await _retained_hook(world, kind, timedelta(hours=1))
        before = await all_events(world, run_id)
        try:
            await world.events.create(run_id, make.hook_disposed(hook_id))
        except WorkflowError as error:
            if error.name != HookNotFoundError.name:
                fail(
                    f"hook_disposed on a hook retained past {kind} is accepted or raises HookNotFoundError",
                    f"raised {error.name}: {error}",
                )
            after = await all_events(world, run_id)
            if after != before:
                fail(
                    "a refused hook_disposed logs nothing",
                    f"the log went from {len(before)} to {len(after)} events",
                )
            continue
        await raises(
            HookNotFoundError, world.hooks.get(hook_id), f"hooks.get of a retained hook disposed after {kind}"
        )
        await _token_is_free(world, token, "an accepted hook_disposed on a retained hook frees its token")


@invariant("HRET-005", requires=Capability.HOOK_RETENTION, lengthy=True)
async def test_a_live_runs_hook_keeps_its_token_past_its_retention(world: World) -> None:
    """A hook of a run still running keeps its token after its ``tokenRetentionUntil``: it is
    returned by ``getByToken``, receives ``hook_received``, and ``hook_created`` with its token in
    another run logs ``hook_conflict`` naming its run."""
    run_id = await started_run(world)
    hook_id, token = make.new_id("hook"), make.token()
    await create(
        world, run_id, make_line5.hook_created(hook_id, token, retention_until=_ahead(SHORT_RETENTION))
    )
    await asyncio.sleep(SHORT_RETENTION.total_seconds() + PAST_IT)
    found = await returns(
        world.hooks.get_by_token(token), "hooks.getByToken of a live run's hook past its retention"
    )
    await returns(world.events.create(run_id, make.hook_received(hook_id)), "hook_received on it")
    logged, data = await _conflict_or_hook(world, token)
    if (
        found.hook_id != hook_id
        or logged != "hook_conflict"
        or getattr(data, "conflicting_run_id", None) != run_id
    ):
        fail(
            "the hook of a live run keeps its token whatever its tokenRetentionUntil says",
            f"getByToken returned {found.hook_id}; hook_created with the token logged {logged}",
            ("eventData", data),
        )


@invariant("HRET-006", requires=Capability.HOOK_RETENTION)
async def test_a_retention_beyond_the_cap_is_refused_with_400(world: World) -> None:
    """``hook_created`` asking for a year or a century of retention is either accepted (the World
    has no lower cap) or refused with ``WorkflowWorldError`` status 400, storing nothing: no event
    in the log, no hook, the token free."""
    for retention in LONG_RETENTIONS:
        run_id = await started_run(world)
        hook_id, token = make.new_id("hook"), make.token()
        before = await all_events(world, run_id)
        request = make_line5.hook_created(hook_id, token, retention_until=_ahead(retention))
        try:
            await world.events.create(run_id, request)
        except WorkflowError as error:
            status = getattr(error, "status", None)
            if error.name != WorkflowWorldError.name or status != 400:
                fail(
                    f"a hook_created with {retention.days} days of retention beyond the World's cap "
                    "is refused with WorkflowWorldError status 400",
                    f"raised {error.name} with status {status}: {error}",
                )
            await raises(HookNotFoundError, world.hooks.get(hook_id), "hooks.get of the refused hook")
            after = await all_events(world, run_id)
            logged, data = await _conflict_or_hook(world, token)
            if after != before or logged != "hook_created":
                fail(
                    "a hook_created refused for its retention stores nothing: no event, its token free",
                    f"the log went from {len(before)} to {len(after)} events; hook_created with the "
                    f"token then logged {logged}",
                    ("eventData", data),
                )
