"""Hook resume dedup on the 5.x line (world-contract-v7.md §4.4 "Resume dedup"): every
``hook_received`` carrying one ``(runId, resumeId)`` converges on one logged event. Judged only
on a World whose ``capabilities`` declare ``hookResumeDedup: true``."""

from __future__ import annotations

from collections.abc import Sequence

from conformance.catalogue.marker import invariant
from conformance.checks import make
from conformance.checks.expect import fail, returns
from conformance.checks.reads import WHOLE_PAGE, all_events, client_events
from conformance.checks.scenarios import create, event_in, events_of, live_hook, race, started_run
from worldspec.capabilities import Capability
from worldspec.errors import HookNotFoundError, RunExpiredError, WorkflowError
from worldspec.events import CreateEventParams, Event
from worldspec.lines import SpecLine
from worldspec.protocol import World
from worldspec.wire_types import MISSING

WRITERS = 4
"""How many writers send one resume at once."""


def _resume(resume_id: str, digest: str | None = None) -> CreateEventParams:
    """The create options carrying ``resumeId`` and, if given, ``resumePayloadDigest``."""
    fields = (
        {"resume_id": resume_id}
        if digest is None
        else {"resume_id": resume_id, "resume_payload_digest": digest}
    )
    return make.create_params(SpecLine.LINE_5, **fields)


@invariant("DEDUP-001", requires=Capability.HOOK_RESUME_DEDUP, races=True)
async def test_one_resume_is_logged_once(world: World) -> None:
    """``hook_received`` with one ``resumeId`` sent by several writers at once, then again (with
    its digest and without one), is logged once, and every call answers with that event; a
    ``resumeId`` first sent without a digest and then with one is logged once too. Only that
    ``(runId, resumeId)`` converges: a new resumeId with a used digest, or a used resumeId on
    another run's hook, logs its own event."""
    run_id = await started_run(world)
    hook_id, _ = await live_hook(world, run_id)
    resume_id = make.new_id("rsm")
    sent = [
        world.events.create(run_id, make.hook_received(hook_id), _resume(resume_id, "digest-1"))
        for _ in range(WRITERS)
    ]
    raced = await race(sent)
    later = [
        await returns(
            world.events.create(run_id, make.hook_received(hook_id), params), "a repeated hook_received"
        )
        for params in (_resume(resume_id, "digest-1"), _resume(resume_id))
    ]
    answered = [
        event_in(result, "hook_received", "DEDUP-001").event_id for result in [*raced.results, *later]
    ]
    logged = [
        event for event in await events_of(world, run_id, hook_id) if event.event_type == "hook_received"
    ]
    if len(raced.results) != WRITERS or len(logged) != 1 or set(answered) != {logged[0].event_id}:
        fail(
            f"{WRITERS} concurrent and 2 later hook_received with one resumeId log one event and "
            "every call answers with it",
            f"{len(raced.results)} of the concurrent calls succeeded ({sorted(raced.error_names())} "
            f"raised), {len(logged)} hook_received were logged, the calls answered {answered}",
            ("logged", logged),
        )
    undigested = make.new_id("rsm")
    answers = [
        event_in(
            await returns(world.events.create(run_id, make.hook_received(hook_id), params), action),
            action,
            "DEDUP-001",
        ).event_id
        for action, params in (
            ("hook_received with a resumeId and no digest", _resume(undigested)),
            ("its repeat with a digest", _resume(undigested, "digest-2")),
        )
    ]
    logged_now = [
        event for event in await events_of(world, run_id, hook_id) if event.event_type == "hook_received"
    ]
    if len(logged_now) != 2 or answers[0] != answers[1]:
        fail(
            "a resume first sent without a digest and repeated with one is logged once (§4.4 refuses "
            "a repeat only when both carry a digest)",
            f"logged {len(logged_now) - 1} hook_received for it; the calls answered {answers}",
            ("logged", logged_now),
        )
    await _other_resumes_stay_apart(world, run_id, hook_id, resume_id, logged_now)


async def _other_resumes_stay_apart(
    world: World, run_id: str, hook_id: str, resume_id: str, logged: Sequence[Event]
) -> None:
    """Only one ``(runId, resumeId)`` converges: a new resumeId carrying a digest already seen,
    on the same hook, is a new resume and logs its own event; the used resumeId on another run's
    hook is that run's own resume and logs its event there."""
    digest_again = await returns(
        world.events.create(run_id, make.hook_received(hook_id), _resume(make.new_id("rsm"), "digest-1")),
        "hook_received with a new resumeId and a digest already used",
    )
    other_run = await started_run(world)
    other_hook, _ = await live_hook(world, other_run)
    other = await returns(
        world.events.create(other_run, make.hook_received(other_hook), _resume(resume_id, "digest-1")),
        "hook_received on another run's hook with a resumeId used in the first run",
    )
    seen = {event.event_id for event in logged}
    mine = [event for event in await events_of(world, run_id, hook_id) if event.event_type == "hook_received"]
    theirs = [
        event
        for event in await events_of(world, other_run, other_hook)
        if event.event_type == "hook_received"
    ]
    new_here = event_in(digest_again, "hook_received", "DEDUP-001")
    there = event_in(other, "hook_received", "DEDUP-001")
    if (
        len(mine) != len(logged) + 1
        or new_here.event_id in seen
        or [(e.run_id, e.event_id) for e in theirs] != [(other_run, there.event_id)]
    ):
        fail(
            "resumes converge per (runId, resumeId) only: a new resumeId with a digest seen before logs "
            "a new event, and a used resumeId on another run's hook logs that run's own event",
            f"logged {len(mine) - len(logged)} new hook_received here, {len(theirs)} in the other run",
            ("answered in the first run", new_here),
            ("answered in the other run", there),
            ("the other run's hook_received", theirs),
        )


@invariant("DEDUP-002", requires=Capability.HOOK_RESUME_DEDUP)
async def test_a_deduplicated_resume_shows_its_resume_id(world: World) -> None:
    """The ``hook_received`` written with a ``resumeId`` carries it in ``events.list`` (with
    ``resolveData`` ``all`` and ``none``), ``events.get`` and ``events.listByCorrelationId``
    of its hook."""
    run_id = await started_run(world)
    hook_id, _ = await live_hook(world, run_id)
    resume_id = make.new_id("rsm")
    result = await create(world, run_id, make.hook_received(hook_id))  # no resumeId: not deduplicated
    written = await returns(
        world.events.create(run_id, make.hook_received(hook_id), _resume(resume_id)),
        "hook_received with a resumeId",
    )
    event_id = event_in(written, "hook_received", "DEDUP-002").event_id
    listed = {event.event_id: event for event in await all_events(world, run_id)}
    bare = await returns(
        world.events.list(run_id, pagination=WHOLE_PAGE, resolve_data="none"),
        "events.list with resolveData none",
    )
    stripped = {event.event_id: event for event in bare.data}
    got = await returns(world.events.get(run_id, event_id), "events.get of the resume")
    by_hook = await returns(
        world.events.list_by_correlation_id(hook_id, run_id=run_id), "events.listByCorrelationId of the hook"
    )
    correlated = {event.event_id: event for event in by_hook.data}
    shown = {
        "events.list": getattr(listed.get(event_id), "resume_id", MISSING),
        "events.list (resolveData none)": getattr(stripped.get(event_id), "resume_id", MISSING),
        "events.get": getattr(got, "resume_id", MISSING),
        "events.listByCorrelationId": getattr(correlated.get(event_id), "resume_id", MISSING),
    }
    if any(value != resume_id for value in shown.values()):
        fail(
            f"the hook_received written with resumeId {resume_id} carries it in every read",
            f"read resumeId as {shown}",
            ("first hook_received (no resumeId)", result.event),
        )


@invariant("DEDUP-003", requires=Capability.HOOK_RESUME_DEDUP)
async def test_a_known_resume_id_for_another_hook_or_payload_is_refused(world: World) -> None:
    """A ``resumeId`` already logged, sent again for another hook of the run or with another
    ``resumePayloadDigest``, is refused with an error other than ``HookNotFoundError`` and
    ``RunExpiredError``, and the log is unchanged."""
    run_id = await started_run(world)
    first, _ = await live_hook(world, run_id)
    second, _ = await live_hook(world, run_id)
    resume_id = make.new_id("rsm")
    await returns(
        world.events.create(run_id, make.hook_received(first), _resume(resume_id, "digest-1")),
        "hook_received with a resumeId",
    )
    for label, hook_id, params in (
        ("for another hook", second, _resume(resume_id)),
        ("for another hook, with the same digest", second, _resume(resume_id, "digest-1")),
        ("with another digest", first, _resume(resume_id, "digest-2")),
    ):
        before = await client_events(world, run_id)
        action = f"hook_received with a known resumeId {label}"
        try:
            result = await world.events.create(run_id, make.hook_received(hook_id), params)
        except WorkflowError as error:
            if error.name in (HookNotFoundError.name, RunExpiredError.name):
                fail(f"{action} is refused, not with {error.name}", f"raised {error.name}: {error}")
        else:
            fail(f"{action} is refused", "accepted it", ("result", result))
        after = await client_events(world, run_id)
        if after != before:
            fail(
                f"{action} is refused with nothing stored",
                f"the log went from {len(before)} to {len(after)} events",
            )
