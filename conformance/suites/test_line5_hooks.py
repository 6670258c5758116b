"""Hooks on the 5.x line (world-contract-v7.md §4.4): the 5.x members of ``hook_created``, and
which ``hook_received``/``hook_disposed`` a World must refuse: on an ended run, for another
run's hook, or racing the run's end."""

from __future__ import annotations

from typing import Any, cast

from conformance.catalogue.marker import invariant
from conformance.checks import make
from conformance.checks.expect import fail, raises, returns
from conformance.checks.reads import all_events, client_events
from conformance.checks.scenarios import (
    TERMINAL_RUN_EVENTS,
    create,
    finish_run,
    finishing_request,
    from_now,
    live_hook,
    race,
    started_run,
)
from conformance.world.capabilities import capabilities_of
from worldspec import errors
from worldspec.capabilities import Capability
from worldspec.events import EventRequest, event_data_of
from worldspec.line5 import event_data, events
from worldspec.pagination import PaginationOptions
from worldspec.protocol import World
from worldspec.wire_types import MISSING

RACE_ROUNDS = 12
"""Rounds of each receive-against-ending race: fresh runs, calls released together."""

UNRECEIVABLE = (errors.HookNotFoundError, errors.RunExpiredError)


def _hook_created(
    hook_id: str, token: str, *, is_webhook: Any = MISSING, is_system: Any = MISSING, until: Any = MISSING
) -> EventRequest:
    """``hook_created`` with the 5.x members given (``until``: ``tokenRetentionUntil``)."""
    data = event_data.HookCreatedData(
        token=token, is_webhook=is_webhook, is_system=is_system, token_retention_until=until
    )
    return cast(EventRequest, events.HookCreatedRequest(correlation_id=hook_id, event_data=data))


def _shows(shown: dict[str, Any], sent: dict[str, Any]) -> bool:
    """Whether ``shown`` (an event's eventData or a hook, wire form) carries ``sent``'s 5.x
    members as sent; where one was not sent, ``isSystem`` may read ``false``,
    ``tokenRetentionUntil`` stays absent, and ``isWebhook`` is not judged (base §4.4 lets a World
    store ``false``, ``true`` or nothing)."""
    allowed_when_absent = {"isSystem": (MISSING, False), "isWebhook": (MISSING, True, False)}
    for key in ("isWebhook", "isSystem", "tokenRetentionUntil"):
        got = shown.get(key, MISSING)
        if key in sent:
            if got != sent[key] or type(got) is not type(sent[key]):
                return False
        elif got not in allowed_when_absent.get(key, (MISSING, None)):
            return False
    return True


@invariant("HOOK-102")
async def test_hook_created_keeps_its_5x_members(world: World) -> None:
    """``hook_created`` with ``isWebhook`` and ``isSystem`` true, false or absent, and a
    ``tokenRetentionUntil`` an hour ahead or absent, shows them as sent on the event (result,
    ``events.get``, ``events.list``) and on the hook (result, ``hooks.get``, ``getByToken``,
    ``hooks.list``). ``tokenRetentionUntil`` is judged on Worlds declaring ``hookRetention``
    (others MAY ignore it, §4.4)."""
    retains = capabilities_of(world).has(Capability.HOOK_RETENTION)
    # Milliseconds that are never zero: a World keeping whole seconds must not pass by chance.
    until: Any = from_now(3600).replace(microsecond=371_000) if retains else MISSING
    cases = (
        (True, True, until),
        (False, False, MISSING),
        (MISSING, MISSING, until),
        (True, MISSING, MISSING),
    )
    for is_webhook, is_system, retention in cases:
        run_id = await started_run(world)
        hook_id, token = make.new_id("hook"), make.token()
        request = _hook_created(hook_id, token, is_webhook=is_webhook, is_system=is_system, until=retention)
        sent = event_data_of(request) or {}
        sent.pop("token")
        if not retains:
            sent.pop("tokenRetentionUntil", None)
        result = await returns(world.events.create(run_id, request), f"hook_created sending {sent}")
        shown: dict[str, Any] = {}
        if result.event is not MISSING:
            shown["event (result)"] = event_data_of(result.event) or {}
            got = await returns(world.events.get(run_id, result.event.event_id), "events.get")
            shown["event (events.get)"] = event_data_of(got) or {}
        listed = [e for e in await all_events(world, run_id) if e.event_type == "hook_created"]
        shown["event (events.list)"] = (event_data_of(listed[0]) or {}) if listed else {}
        if result.hook is not MISSING:
            shown["hook (result)"] = result.hook.to_wire()
        shown["hook (hooks.get)"] = (await returns(world.hooks.get(hook_id), "hooks.get")).to_wire()
        by_token = await returns(world.hooks.get_by_token(token), "hooks.getByToken")
        shown["hook (hooks.getByToken)"] = by_token.to_wire()
        hooks = await returns(
            world.hooks.list(run_id=run_id, pagination=PaginationOptions(limit=10)), "hooks.list"
        )
        shown["hook (hooks.list)"] = next((h.to_wire() for h in hooks.data if h.hook_id == hook_id), {})
        wrong = [where for where, value in shown.items() if not _shows(value, sent)]
        if wrong:
            fail(
                f"hook_created sending {sent}: the event and the hook keep isWebhook, isSystem and "
                "tokenRetentionUntil as sent",
                f"showed otherwise in {wrong}",
                *((where, shown[where]) for where in wrong),
            )


@invariant("HOOK-103")
async def test_no_receive_on_an_ended_run(world: World) -> None:
    """After ``run_completed``, ``run_failed`` or ``run_cancelled``, ``hook_received`` for a hook
    the run had (plain, and one with ``tokenRetentionUntil`` an hour ahead, retained where the
    World retains hooks) or never had raises ``HookNotFoundError`` or ``RunExpiredError``, never
    ``EntityConflictError``, and appends nothing."""
    for kind in TERMINAL_RUN_EVENTS:
        run_id = await started_run(world)
        plain, _ = await live_hook(world, run_id)
        retained = make.new_id("hook")
        await create(world, run_id, _hook_created(retained, make.token(), until=from_now(3600)))
        await finish_run(world, run_id, kind)
        for label, hook_id in (
            ("its hook", plain),
            ("its retained hook", retained),
            ("no hook", make.new_id("hook")),
        ):
            before = [e.to_wire() for e in await client_events(world, run_id)]
            await raises(
                UNRECEIVABLE,
                world.events.create(run_id, make.hook_received(hook_id)),
                f"hook_received for {label} after {kind}",
            )
            after = [e.to_wire() for e in await client_events(world, run_id)]
            if after != before:
                fail(f"the refused hook_received for {label} after {kind} appends nothing", "appended")


@invariant("HOOK-104")
async def test_another_runs_hook_is_not_found(world: World) -> None:
    """``hook_received`` and ``hook_disposed`` sent to run B naming run A's live hook raise
    ``HookNotFoundError``; neither log changes and the hook reads as before (``hooks.get``,
    ``getByToken``), still live in A."""
    owner = await started_run(world)
    hook_id, token = await live_hook(world, owner)
    other = await started_run(world)
    before_hook = (await returns(world.hooks.get(hook_id), "hooks.get")).to_wire()
    before = {run: [e.to_wire() for e in await all_events(world, run)] for run in (owner, other)}
    for request in (make.hook_received(hook_id), make.hook_disposed(hook_id)):
        action = f"{request.event_type} on run B naming run A's hook"
        await raises(errors.HookNotFoundError, world.events.create(other, request), action)
        after = {run: [e.to_wire() for e in await all_events(world, run)] for run in (owner, other)}
        hook = (await returns(world.hooks.get(hook_id), "hooks.get")).to_wire()
        by_token = (await returns(world.hooks.get_by_token(token), "hooks.getByToken")).to_wire()
        if after != before or hook != before_hook or by_token != before_hook:
            fail(
                f"the refused {action} changes neither log nor the hook",
                "changed something",
                ("hook before", before_hook),
                ("hook after (hooks.get)", hook),
                ("hook after (getByToken)", by_token),
                ("logs after", after),
            )


@invariant("HOOK-105", races=True)
async def test_receive_racing_the_end_lands_before_it(world: World) -> None:
    """``hook_received`` sent together with ``run_completed``, ``run_failed`` or
    ``run_cancelled`` (fresh runs, several rounds each, either call first) is logged before the
    terminal event or refused; a receive that succeeded is in the log, before the end."""
    for kind in TERMINAL_RUN_EVENTS:
        for round_number in range(RACE_ROUNDS):
            run_id = await started_run(world)
            hook_id, _ = await live_hook(world, run_id)
            calls = [
                world.events.create(run_id, make.hook_received(hook_id)),
                world.events.create(run_id, finishing_request(kind)),
            ]
            outcome = await race(calls if round_number % 2 == 0 else calls[::-1])
            log = await all_events(world, run_id)
            kinds = [event.event_type for event in log]
            received = [i for i, event in enumerate(log) if event.event_type == "hook_received"]
            ended = [i for i, event_type in enumerate(kinds) if event_type in TERMINAL_RUN_EVENTS]
            succeeded = any(
                result.event is not MISSING and result.event.event_type == "hook_received"
                for result in outcome.results
            )
            if any(index > min(ended, default=len(log)) for index in received) or (
                succeeded and not received
            ):
                fail(
                    f"hook_received racing {kind} is logged before it or refused",
                    f"logged {kinds}",
                    ("log", log),
                )
