"""Hooks (§4.4): creation with a unique token, conflicts that are events rather than errors,
deliveries, disposal, and release when the run ends. (The token race is HOOK-003 and the
receive/dispose race HOOK-010, judged elsewhere.)"""

from __future__ import annotations

from conformance.catalogue.marker import invariant
from conformance.checks import make, values
from conformance.checks.expect import fail, raises, rejects, returns
from conformance.checks.fields import wire_fields
from conformance.checks.hook_release import ended_hooks_left_every_list, taken_tokens_survive_the_end
from conformance.checks.scenarios import (
    TERMINAL_RUN_EVENTS,
    create,
    events_of,
    finish_run,
    live_hook,
    race,
    started_run,
)
from worldspec import errors
from worldspec.events import EventRequest, event_data_of
from worldspec.lines import SpecLine
from worldspec.pagination import PaginationOptions
from worldspec.protocol import World
from worldspec.wire_types import MISSING


async def _listed_hook_ids(world: World, run_id: str) -> list[str]:
    listed = await returns(
        world.hooks.list(run_id=run_id, pagination=PaginationOptions(limit=100)), "hooks.list({runId})"
    )
    return [hook.hook_id for hook in listed.data]


HOOK_FIELDS = (
    "runId",
    "hookId",
    "token",
    "ownerId",
    "projectId",
    "environment",
    "metadata",
    "createdAt",
    "specVersion",
    "isWebhook",
)
"""Every field of a hook on the 4.x line (the 5.x line's own are judged by its HOOK-1xx)."""


@invariant("HOOK-001")
async def test_hook_created_returns_and_finds_the_hook(world: World) -> None:
    """``hook_created`` returns the hook with its runId, hookId, token, metadata (byte-exact)
    and ``isWebhook`` as sent (``true`` and ``false``); ``hooks.get(hookId)`` and
    ``hooks.getByToken(token)`` return the same hook, every field as the result shows it
    (``createdAt`` and ``specVersion`` included)."""
    run_id = await started_run(world)
    metadata = b"devl\x00" + bytes(range(256))
    for is_webhook in (True, False):
        hook_id, token = make.new_id("hook"), make.token()
        created = make.hook_created(hook_id, token, metadata=metadata, is_webhook=is_webhook)
        result = await create(world, run_id, created)
        expected = {
            "runId": run_id,
            "hookId": hook_id,
            "token": token,
            "metadata": metadata,
            "isWebhook": is_webhook,
        }
        found = (
            ("the result", result.hook),
            ("hooks.get", await returns(world.hooks.get(hook_id), "hooks.get of the new hook")),
            ("hooks.getByToken", await returns(world.hooks.get_by_token(token), "hooks.getByToken")),
        )
        for where, hook in found:
            if wire_fields(hook, *expected) != expected:
                fail(
                    f"{where} shows the hook as created (isWebhook {is_webhook})",
                    "shows otherwise",
                    ("expected", expected),
                    ("hook", hook),
                )
        returned = wire_fields(result.hook, *HOOK_FIELDS)
        for where, hook in found[1:]:
            if wire_fields(hook, *HOOK_FIELDS) != returned:
                fail(
                    f"{where} returns the hook the hook_created result returned, field for field",
                    "returned another",
                    ("result", result.hook),
                    (where, hook),
                )


@invariant("HOOK-002")
async def test_held_token_is_a_conflict_event(world: World) -> None:
    """``hook_created`` with a token held by a live hook (of another run, or of another hookId
    in the same run) does not throw: it returns a ``hook_conflict`` event ``{token,
    conflictingRunId: <the holder's runId>}``, which is also in the log, and creates no hook;
    the holder keeps the token. A token that differs from a held one only in case, Unicode
    normal form, a prefix or suffix, trailing spaces, or a LIKE/glob wildcard is another token:
    it is free, and ``getByToken`` finds each twin's own hook."""
    holder_run = await started_run(world)
    holder, token = await live_hook(world, holder_run)
    for whose, run_id in (("another run", await started_run(world)), ("the holder's run", holder_run)):
        hook_id = make.new_id("hook")
        action = f"hook_created in {whose} with a token a live hook holds"
        result = await returns(world.events.create(run_id, make.hook_created(hook_id, token)), action)
        expected = {
            "eventType": "hook_conflict",
            "correlationId": hook_id,
            "eventData": {"token": token, "conflictingRunId": holder_run},
        }
        got = (
            {key: result.event.to_wire().get(key) for key in expected} if result.event is not MISSING else {}
        )
        if got != expected or result.hook is not MISSING:
            fail(
                f"{action} returns a hook_conflict event and no hook",
                "returned otherwise",
                ("result", result),
            )
        logged = await events_of(world, run_id, hook_id)
        if [event.event_type for event in logged] != ["hook_conflict"] or event_data_of(logged[0]) != got[
            "eventData"
        ]:
            fail("the hook_conflict is stored in the log", "logged otherwise", ("its events", logged))
        await rejects(world.hooks.get(hook_id), f"hooks.get of the hookId refused in {whose}")
        kept = await returns(world.hooks.get_by_token(token), "hooks.getByToken of the held token")
        if kept.hook_id != holder:
            fail("the holder keeps the token", f"gave it to {kept.hook_id}", ("hook", kept))
    await _twin_tokens_are_different_tokens(world, holder_run)


async def _twin_tokens_are_different_tokens(world: World, run_id: str) -> None:
    """Tokens compare exactly (§2.5): a token that differs from a held one only in case, normal
    form, a prefix or suffix, trailing spaces, or a wildcard character is free, and each finds its
    own hook."""
    other_run = await started_run(world)
    for twin in values.twins(lambda core: f"tok {core}"):
        holders = {}
        for token, where in ((twin.first, run_id), (twin.second, other_run)):
            hook_id = make.new_id("hook")
            action = f"hook_created with {token!r}, which differs from a held token by {twin.differ_by}"
            result = await returns(world.events.create(where, make.hook_created(hook_id, token)), action)
            if result.hook is MISSING or result.event is MISSING or result.event.event_type != "hook_created":
                fail(
                    "a token that differs from a held one, if only by "
                    f"{twin.differ_by}, is free: hook_created creates the hook",
                    "refused it as held",
                    ("held token", twin.first),
                    ("sent token", token),
                    ("result", result),
                )
            holders[token] = hook_id
        for token, hook_id in holders.items():
            found = await returns(world.hooks.get_by_token(token), f"hooks.getByToken({token!r})")
            if found.hook_id != hook_id or found.token != token:
                fail(
                    "hooks.getByToken finds the hook of exactly that token "
                    f"(twins differ by {twin.differ_by})",
                    "found another",
                    ("token", token),
                    ("expected hookId", hook_id),
                    ("hook", found),
                )


@invariant("HOOK-004")
async def test_hook_id_is_created_once(world: World) -> None:
    """``hook_created`` for a ``(runId, hookId)`` that exists raises ``EntityConflictError``,
    also after that hook was disposed; the refused creates reserve no token."""
    run_id = await started_run(world)
    hook_id, _ = await live_hook(world, run_id)
    for state in ("live", "disposed"):
        if state == "disposed":
            await create(world, run_id, make.hook_disposed(hook_id))
        token = make.token()
        await raises(
            errors.EntityConflictError,
            world.events.create(run_id, make.hook_created(hook_id, token)),
            f"hook_created again for a {state} hook's id",
        )
        await rejects(
            world.hooks.get_by_token(token), "hooks.getByToken of the token the refused create sent"
        )


@invariant("HOOK-005")
async def test_hook_received_appends_the_payload(world: World) -> None:
    """``hook_received`` returns the event it appended, carrying the payload byte-exact, and
    leaves the hook as it was; a hook receives any number of payloads, all in the log in order."""
    run_id = await started_run(world)
    hook_id, _ = await live_hook(world, run_id, metadata=b"devl-metadata")
    before = await returns(world.hooks.get(hook_id), "hooks.get")
    payloads = [b"devl\x00first" + bytes(range(256)), b"devl\x00second"]
    for payload in payloads:
        result = await create(world, run_id, make.hook_received(hook_id, payload))
        if result.event is MISSING or result.event.event_type != "hook_received":
            fail("hook_received returns the hook_received event", "returned otherwise", ("result", result))
        if (event_data_of(result.event) or {}).get("payload") != payload:
            fail("the returned event carries the payload sent", "carries another", ("result", result))
    logged = [
        (event_data_of(event) or {}).get("payload")
        for event in await events_of(world, run_id, hook_id)
        if event.event_type == "hook_received"
    ]
    if logged != payloads:
        fail("the log holds each payload received, byte-exact, in order", "holds others", ("logged", logged))
    after = await returns(world.hooks.get(hook_id), "hooks.get")
    if after.to_wire() != before.to_wire():
        fail("hook_received leaves the hook unchanged", "changed it", ("before", before), ("after", after))


@invariant("HOOK-006")
async def test_missing_hook_receives_nothing(world: World, world_line: SpecLine) -> None:
    """``hook_received`` and ``hook_disposed`` for a hookId never created in the run, or for a
    disposed hook, raise ``HookNotFoundError``; so do they for a hook its run's end released
    (the run completed, failed or was cancelled while it was live, §4.6); on the 5.x line only
    ``hook_disposed`` is judged there, as HOOK-103 judges ``hook_received`` on an ended run
    (which may also raise ``RunExpiredError``). On the 4.x
    line they also do for a hookId only another run's live hook has (a hook is ``(runId,
    hookId)``, not the hookId alone), and that hook stays live in its run: its own run receives
    on it afterwards and its token still finds it. (On the 5.x line HOOK-104 judges another
    run's hook.)"""
    run_id = await started_run(world)
    disposed, _ = await live_hook(world, run_id)
    await create(world, run_id, make.hook_disposed(disposed))
    for what, hook_id in (("never created", make.new_id("hook")), ("disposed", disposed)):
        for request in (make.hook_received(hook_id), make.hook_disposed(hook_id)):
            await raises(
                errors.HookNotFoundError,
                world.events.create(run_id, request),
                f"{request.event_type} for a hook {what}",
            )
    for kind in TERMINAL_RUN_EVENTS:
        ended = await started_run(world)
        released, _ = await live_hook(world, ended)
        await finish_run(world, ended, kind)
        requests: list[EventRequest] = [make.hook_disposed(released)]
        if world_line is SpecLine.LINE_4:
            requests.insert(0, make.hook_received(released))
        for sent in requests:
            await raises(
                errors.HookNotFoundError,
                world.events.create(ended, sent),
                f"{sent.event_type} for a hook that was live when its run got {kind}",
            )
    if world_line is not SpecLine.LINE_4:
        return
    other_run = await started_run(world)
    others, token = await live_hook(world, other_run)
    for request in (make.hook_received(others), make.hook_disposed(others)):
        await raises(
            errors.HookNotFoundError,
            world.events.create(run_id, request),
            f"{request.event_type} for a hookId only another run's live hook has",
        )
    await returns(
        world.events.create(other_run, make.hook_received(others)),
        "hook_received of the other run's hook, in its own run, afterwards",
    )
    held = await returns(
        world.hooks.get_by_token(token), "hooks.getByToken of the other run's hook's token afterwards"
    )
    if held.run_id != other_run or held.hook_id != others:
        fail(
            "the other run's hook still holds its token afterwards",
            "getByToken returns another hook",
            ("returned", held),
        )


@invariant("HOOK-007")
async def test_hook_disposed_deletes_the_hook(world: World) -> None:
    """``hook_disposed`` deletes the hook and frees its token: ``hooks.get``, ``getByToken`` and
    ``hooks.list`` (of its run, and of every run) no longer show it, and another run can create
    a hook with the token, which ``getByToken`` then finds. N
    concurrent ``hook_disposed`` of one hook: one succeeds, the rest raise ``HookNotFoundError``
    or ``EntityConflictError``, and one ``hook_disposed`` is logged."""
    run_id = await started_run(world)
    hook_id, token = await live_hook(world, run_id)
    await create(world, run_id, make.hook_disposed(hook_id))
    await rejects(world.hooks.get(hook_id), "hooks.get of a disposed hook")
    await rejects(world.hooks.get_by_token(token), "hooks.getByToken of a disposed hook's token")
    if hook_id in await _listed_hook_ids(world, run_id):
        fail("hooks.list no longer lists a disposed hook", "still lists it")
    await ended_hooks_left_every_list(world, {hook_id: "disposed"})
    taker = make.new_id("hook")
    taken = await create(world, await started_run(world), make.hook_created(taker, token))
    if taken.hook is MISSING or taken.hook.hook_id != taker:
        fail("another run creates a hook with the freed token", "did not", ("result", taken))
    await _token_finds_its_new_holder(world, token, taker, "disposed")
    racing, _ = await live_hook(world, run_id)
    outcome = await race([world.events.create(run_id, make.hook_disposed(racing)) for _ in range(4)])
    logged = [e for e in await events_of(world, run_id, racing) if e.event_type == "hook_disposed"]
    if len(outcome.results) != 1 or outcome.error_names() - {"HookNotFoundError", "EntityConflictError"}:
        fail(
            "of 4 concurrent hook_disposed one succeeds, "
            "the rest raise HookNotFoundError or EntityConflictError",
            f"let {len(outcome.results)} succeed and raised {sorted(outcome.error_names())}",
        )
    if len(logged) != 1:
        fail("one hook_disposed is logged", f"logged {len(logged)}", ("logged", logged))


@invariant("HOOK-008")
async def test_ended_run_releases_its_hooks(world: World) -> None:
    """When a run completes, fails or is cancelled its hooks go: ``hooks.list`` for the run is
    empty, ``hooks.get`` and ``getByToken`` miss, ``hooks.list()`` of every run no longer lists
    them, and another run can create a hook with a freed token (getting a ``hook_created``, not
    a ``hook_conflict``), which ``getByToken`` then finds. The end frees only the tokens the
    run's hooks still hold: a token its disposed hook gave up, or (on a second
    ``run_cancelled``) its first end freed, stays with the other run's hook that took it since."""
    released: dict[str, str] = {}
    for kind in TERMINAL_RUN_EVENTS:
        run_id = await started_run(world)
        hooks = [await live_hook(world, run_id), await live_hook(world, run_id)]
        await finish_run(world, run_id, kind)
        if await _listed_hook_ids(world, run_id):
            fail(f"after {kind}, hooks.list for the run is empty", "lists hooks")
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
        await _token_finds_its_new_holder(world, hooks[0][1], str(reused.event.correlation_id), kind)
        await taken_tokens_survive_the_end(world, kind)
    await ended_hooks_left_every_list(world, released)


async def _token_finds_its_new_holder(world: World, token: str, holder: str, freed_by: str) -> None:
    """``getByToken`` of a token its first hook freed (``freed_by``) finds the hook that took it."""
    found = await returns(
        world.hooks.get_by_token(token), f"hooks.getByToken of a token taken again after {freed_by}"
    )
    if found.hook_id != holder:
        fail(
            f"hooks.getByToken of a token freed by {freed_by} and taken by a new hook finds the new hook",
            f"found {found.hook_id!r}",
            ("the new hook", holder),
            ("found", found),
        )


@invariant("HOOK-009")
async def test_hook_getters_miss_with_hook_not_found(world: World) -> None:
    """``hooks.get`` of a hookId never created and ``hooks.getByToken`` of a token no hook holds
    raise ``HookNotFoundError``."""
    await live_hook(world, await started_run(world))
    await raises(
        errors.HookNotFoundError, world.hooks.get(make.new_id("hook")), "hooks.get of an unknown hookId"
    )
    await raises(
        errors.HookNotFoundError,
        world.hooks.get_by_token(make.token()),
        "hooks.getByToken of an unknown token",
    )
