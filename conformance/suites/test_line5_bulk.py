"""The bulk members of the 5.x line (world-contract-v7.md §12, OPT-004 to OPT-007):
``runs.cancelMany`` and ``events.createBatch``.

Both are optional and declared by their presence: each test requires the capability the kit
derives from the member, so a World without it is skipped, never failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from conformance.catalogue.marker import invariant
from conformance.checks import make, make_line5, values
from conformance.checks.expect import fail, rejects, returns
from conformance.checks.reads import all_events, run_of
from conformance.checks.scenarios import (
    create,
    created_step,
    finish_run,
    from_now,
    live_hook,
    pending_run,
    run_in,
    running_step,
    started_run,
    waiting_wait,
)
from worldspec.capabilities import Capability
from worldspec.errors import WorkflowError
from worldspec.events import EventRequest, event_data_of
from worldspec.line5.attributes import RETENTION_ATTRIBUTE
from worldspec.line5.bulk import (
    BULK_CANCEL_MAX_RUN_IDS,
    BatchEventRequest,
    BulkCancelWorkflowRunsRequest,
    CreateEventBatchParams,
)
from worldspec.line5.protocol import SupportsCancelMany, SupportsCreateBatch
from worldspec.line5.validation import parse_event_request
from worldspec.pagination import PaginationOptions
from worldspec.protocol import World
from worldspec.wire_types import MISSING

CANCEL_REASON_MAX = 512
"""The longest ``cancelReason`` a ``cancelMany`` request may carry, in characters."""

REASON = "swept by worldspec"

SUMMARY_KEYS = {
    "cancelled": "cancelled",
    "already_cancelled": "alreadyCancelled",
    "not_cancellable": "notCancellable",
    "not_found": "notFound",
    "failed": "failed",
}
"""Each outcome and the ``summary`` member that counts it."""


async def _runs_in_every_state(world: World) -> list[tuple[str, dict[str, Any]]]:
    """A run in every state and a missing id, each with the outcome ``cancelMany`` owes it."""
    pending, running = await pending_run(world), await started_run(world)
    cases: list[tuple[str, dict[str, Any]]] = [
        (pending, {"outcome": "cancelled"}),
        (running, {"outcome": "cancelled"}),
    ]
    for kind, status in (("run_completed", "completed"), ("run_failed", "failed")):
        run_id = await started_run(world)
        await finish_run(world, run_id, kind)
        cases.append((run_id, {"outcome": "not_cancellable", "status": status}))
    cancelled = await started_run(world)
    await finish_run(world, cancelled, "run_cancelled")
    cases.append((cancelled, {"outcome": "already_cancelled"}))
    cases.append((make.new_id("wrun"), {"outcome": "not_found"}))
    return cases


@invariant("OPT-004", requires=Capability.CANCEL_MANY)
async def test_cancel_many_reports_each_run_in_order(world: World) -> None:
    """``runs.cancelMany`` answers one outcome per id in request order: ``cancelled`` for a
    pending or running run (which is then cancelled, with a ``run_cancelled`` carrying the
    request's ``cancelReason``), ``not_cancellable`` with the status for a completed or failed
    run, ``already_cancelled``, ``not_found`` for a missing id; its ``summary`` counts them.
    Runs not cancelled keep their log. A run cancelled by ``cancelMany`` ends as one cancelled
    by ``run_cancelled``: the same members (``completedAt``, and with ``$retention: '0'`` the
    same purge), steps, events, no hook holding its token, no wait."""
    cases = await _runs_in_every_state(world)
    cases = cases[3:] + cases[:3]
    asked = [run_id for run_id, _ in cases]
    logs = {
        run_id: len(await all_events(world, run_id))
        for run_id, want in cases
        if want["outcome"] != "not_found"
    }
    request = BulkCancelWorkflowRunsRequest(run_ids=asked, cancel_reason=REASON)
    answered = await returns(cast(SupportsCancelMany, world.runs).cancel_many(request), "runs.cancelMany")
    shown = answered.to_wire()
    expected = [{"runId": run_id, **want} for run_id, want in cases]
    outcomes = [entry.get("outcome") for entry in expected]
    summary = {"requested": len(asked), **{key: outcomes.count(kind) for kind, key in SUMMARY_KEYS.items()}}
    if shown.get("results") != expected or shown.get("summary") != summary:
        fail(
            "cancelMany answers each id's outcome in request order and a summary that counts them",
            "answered otherwise",
            ("expected", {"results": expected, "summary": summary}),
            ("answered", shown),
        )
    for run_id, want in cases:
        if want["outcome"] == "not_found":
            continue
        await _check_cancellation(world, run_id, logs[run_id], want["outcome"] == "cancelled")
    for attributes in ({}, {RETENTION_ATTRIBUTE: "0"}):
        await _check_twins(world, attributes)


async def _twin(world: World, attributes: dict[str, str]) -> tuple[str, str, str]:
    """A running run with ``attributes``, a completed step, a live hook with metadata and a
    waiting wait; ``(runId, hook token, wait correlationId)``."""
    created = await create(world, None, make_line5.run_created(attributes=attributes, allow_reserved=True))
    run_id = run_in(created, "run_created", "RUN-001").run_id
    await create(world, run_id, make.run_started())
    await create(world, run_id, make.step_completed(await running_step(world, run_id)))
    _, token = await live_hook(world, run_id, metadata=b"devl\x00hook-metadata")
    return run_id, token, await waiting_wait(world, run_id)


def _outline(wire: dict[str, Any], kept: tuple[str, ...] = ()) -> dict[str, Any]:
    """``wire`` with each member but ``kept`` reduced to whether it is there."""
    return {key: value if key in kept else "(present)" for key, value in wire.items() if value is not None}


async def _aftermath(world: World, run_id: str, token: str, wait_id: str) -> dict[str, Any]:
    """What a cancellation left of a twin: the run's members (status and attributes by value),
    its steps' and events' members, whether its hook's token still finds a hook, and what a
    ``wait_completed`` for its wait now does."""
    run = (await run_of(world, run_id)).to_wire()
    steps = await returns(world.steps.list(run_id, pagination=PaginationOptions(limit=100)), "steps.list")
    try:
        hook: Any = (await world.hooks.get_by_token(token)).to_wire().get("runId") == run_id
    except WorkflowError as error:
        hook = error.name
    try:
        await world.events.create(run_id, make.wait_completed(wait_id))
        wait: Any = "taken"
    except WorkflowError as error:
        wait = error.name
    return {
        "run": _outline(run, ("status", "attributes")),
        "steps": [_outline(step.to_wire(), ("status",)) for step in steps.data],
        "events": [
            (event.event_type, sorted((event_data_of(event) or {}).keys()))
            for event in await all_events(world, run_id)
        ],
        "hook found by its token": hook,
        "wait_completed for its wait": wait,
    }


async def _check_twins(world: World, attributes: dict[str, str]) -> None:
    """Two runs built alike (``attributes``, a completed step, a hook, a wait), one cancelled by
    ``run_cancelled``, the other by ``cancelMany``, end alike: the same run members, steps,
    events, hooks (a cancelled run's hook is gone and its token free, §4.2) and waits, whatever
    the run's retention."""
    single, batched = await _twin(world, attributes), await _twin(world, attributes)
    await create(world, single[0], make_line5.run_cancelled(REASON))
    request = BulkCancelWorkflowRunsRequest(run_ids=[batched[0]], cancel_reason=REASON)
    await returns(cast(SupportsCancelMany, world.runs).cancel_many(request), "runs.cancelMany")
    by_event, by_many = await _aftermath(world, *single), await _aftermath(world, *batched)
    if by_event != by_many:
        fail(
            f"a run cancelMany cancels ends as run_cancelled ends it (attributes {attributes}): same run "
            "members, steps, events, hooks and waits",
            "ended otherwise",
            ("cancelled by run_cancelled", by_event),
            ("cancelled by cancelMany", by_many),
        )


async def _check_cancellation(world: World, run_id: str, logged: int, cancelled: bool) -> None:
    """A run ``cancelMany`` cancelled is cancelled with a ``run_cancelled`` carrying the reason
    appended; any other run's log is as it was."""
    log = await all_events(world, run_id)
    if not cancelled:
        if len(log) != logged:
            fail("cancelMany leaves a run it does not cancel alone", "appended to its log", ("log", log))
        return
    added = log[logged:]
    reasons = [(event_data_of(event) or {}).get("cancelReason") for event in added]
    status = (await run_of(world, run_id)).status
    if status != "cancelled" or [e.event_type for e in added] != ["run_cancelled"] or reasons != [REASON]:
        fail(
            f"a run cancelMany cancels is cancelled and logs one run_cancelled with cancelReason {REASON!r}",
            f"left the run {status} and appended {[e.event_type for e in added]}",
            ("appended", added),
        )


def _bad_requests(live: str) -> list[tuple[str, BulkCancelWorkflowRunsRequest]]:
    """``cancelMany`` requests the contract refuses, each naming the live run first."""
    others = [make.new_id("wrun") for _ in range(BULK_CANCEL_MAX_RUN_IDS)]
    built = BulkCancelWorkflowRunsRequest.model_construct
    return [
        ("no run ids", built(run_ids=[], cancel_reason=REASON)),
        (f"{BULK_CANCEL_MAX_RUN_IDS + 1} run ids", built(run_ids=[live, *others], cancel_reason=REASON)),
        ("a run id given twice", built(run_ids=[live, others[0], live], cancel_reason=REASON)),
        (
            f"a cancelReason of {CANCEL_REASON_MAX + 1} characters",
            built(run_ids=[live], cancel_reason="r" * (CANCEL_REASON_MAX + 1)),
        ),
    ]


@invariant("OPT-005", requires=Capability.CANCEL_MANY)
async def test_malformed_cancel_many_changes_no_run(world: World) -> None:
    """``runs.cancelMany`` with no ids, more than 500, an id given twice, or a ``cancelReason``
    over 512 characters is refused, and no run changes (the live run each names stays running
    with its log as it was); exactly 500 ids and a reason of exactly 512 characters are taken."""
    bulk = cast(SupportsCancelMany, world.runs)
    live = await started_run(world)
    logged = len(await all_events(world, live))
    for what, request in _bad_requests(live):
        await rejects(bulk.cancel_many(request), f"cancelMany with {what}")
        status, log = (await run_of(world, live)).status, await all_events(world, live)
        if status != "running" or len(log) != logged:
            fail(
                f"cancelMany with {what} is refused before any run changes",
                f"left the live run {status} with {len(log) - logged} more events",
                ("log", log),
            )
    at_limit = [await started_run(world), *(make.new_id("wrun") for _ in range(BULK_CANCEL_MAX_RUN_IDS - 1))]
    longest = BulkCancelWorkflowRunsRequest(run_ids=[live], cancel_reason="r" * CANCEL_REASON_MAX)
    for what, request in (
        (f"exactly {BULK_CANCEL_MAX_RUN_IDS} run ids", BulkCancelWorkflowRunsRequest(run_ids=at_limit)),
        (f"a cancelReason of exactly {CANCEL_REASON_MAX} characters", longest),
    ):
        answered = await returns(bulk.cancel_many(request), f"cancelMany with {what}")
        if [entry.outcome for entry in answered.results][:1] != ["cancelled"]:
            fail(
                f"cancelMany with {what} is taken",
                "did not cancel the run it names first",
                ("answered", answered),
            )


def _batch(*requests: EventRequest) -> list[BatchEventRequest]:
    """The batch of ``requests``, each read as the 5.x request it stands for."""
    return [BatchEventRequest(event=parse_event_request(request.to_wire())) for request in requests]


async def _refusal_of_single(world: World, run_id: str, request: EventRequest) -> WorkflowError | None:
    """The error a single create of ``request`` raises now, or ``None`` when it would be taken
    (it is then not sent)."""
    try:
        await world.events.create(run_id, request)
    except WorkflowError as error:
        return error
    return None


@invariant("OPT-006", requires=Capability.CREATE_BATCH)
async def test_batch_commits_in_order_and_answers_as_single_creates(world: World) -> None:
    """``events.createBatch`` answers one result per event in request order: an accepted event
    ``{status: 200, event}`` with the entity its single create returns (``step``, ``wait``), a
    refused one the error name its single create raises and that error's HTTP status (a
    completed step completed again, an unknown hook resumed), leaving nothing; the accepted
    events are the next slots of the log in request order, stored as answered, and the step
    the batch creates holds the nested payload sent (its event and ``steps.get``). A batch that
    completes a step and then its run under ``resolveData: 'none'`` stores each event with its
    ``occurredAt`` as ``createdAt``, answers each event as the log reads it under ``'none'``,
    and answers the completed run. A batch that completes its run and then creates a step and a
    wait refuses those two as their single creates on the ended run are refused."""
    run_id = await started_run(world)
    done = await running_step(world, run_id)
    await create(world, run_id, make.step_completed(done))
    pending = await created_step(world, run_id)
    fresh, wait_id = make.new_id("step"), make.new_id("wait")
    refused_again = make.step_completed(done)
    unknown_hook = make.hook_received(make.new_id("hook"))
    payload = values.nested_payload()
    requests: list[EventRequest] = [
        refused_again,
        make.step_created(fresh, input=payload),
        make.step_started(fresh),
        unknown_hook,
        make.step_started(pending),
        make.wait_created(wait_id, from_now(3600)),
    ]
    before = await all_events(world, run_id)
    answered = await returns(
        cast(SupportsCreateBatch, world.events).create_batch(run_id, _batch(*requests)), "createBatch"
    )
    results = answered.to_wire().get("results", [])
    if len(results) != len(requests):
        fail(
            "createBatch answers one result per event",
            f"answered {len(results)} for {len(requests)}",
            ("answered", answered),
        )
    accepted = [
        (request, result)
        for request, result in zip(requests, results, strict=True)
        if result.get("status") == 200
    ]
    await _check_slots(world, run_id, before, accepted, answered)
    await _check_batch_payload(world, run_id, fresh, payload)
    entities = {
        "step_created": ("step", "pending"),
        "step_started": ("step", "running"),
        "wait_created": ("wait", "waiting"),
    }
    for request, result in accepted:
        kind, status = entities[str(request.event_type)]
        entity = result.get(kind) or {}
        if str(request.correlation_id) not in str(entity.get(f"{kind}Id")) or entity.get("status") != status:
            fail(
                f"createBatch answers an accepted {request.event_type} with the {kind} its single "
                "create returns",
                "answered otherwise",
                ("result", result),
            )
    for request, position in ((refused_again, 0), (unknown_hook, 3)):
        single = await _refusal_of_single(world, run_id, request)
        result = results[position]
        refused_status = None if single is None else getattr(single, "status", None) or single.http_status
        if (
            single is None
            or result.get("status") == 200
            or result.get("error") != single.name
            or (refused_status is not None and result.get("status") != refused_status)
        ):
            fail(
                f"createBatch answers {request.event_type} ({request.correlation_id}) as its single create: "
                f"refused with {single.name if single else '(taken)'}, status {refused_status}",
                "answered otherwise",
                ("result", result),
            )
    await _check_ending_batch(world)
    await _check_batch_past_its_end(world)


async def _check_batch_past_its_end(world: World) -> None:
    """A batch that completes its run and then creates a step and a wait: each event is decided
    after the ones before it, as single creates in that order would be, so the run is completed
    and the step and the wait are refused as their single creates now are, leaving nothing."""
    run_id = await started_run(world)
    requests: list[EventRequest] = [
        make.run_completed(),
        make.step_created(make.new_id("step")),
        make.wait_created(make.new_id("wait"), from_now(3600)),
    ]
    before = len(await all_events(world, run_id))
    answered = await returns(
        cast(SupportsCreateBatch, world.events).create_batch(run_id, _batch(*requests)),
        "createBatch of run_completed, then step_created and wait_created",
    )
    results = answered.to_wire().get("results", [])
    appended = [event.event_type for event in (await all_events(world, run_id))[before:]]
    singles = [await _refusal_of_single(world, run_id, request) for request in requests[1:]]
    shown = [(result.get("status"), result.get("error")) for result in results]
    wanted = [
        (200, None),
        *(
            (getattr(e, "status", None) or getattr(e, "http_status", None), getattr(e, "name", None))
            for e in singles
        ),
    ]
    if appended != ["run_completed"] or None in singles or shown != wanted:
        fail(
            "createBatch decides each event after the ones before it: run_completed is taken, the "
            "step_created and wait_created after it are refused as their single creates on the ended run",
            f"stored {appended} and answered {shown}",
            ("single creates now", [single.name if single else "(taken)" for single in singles]),
            ("answered", answered),
        )


async def _check_batch_payload(world: World, run_id: str, step_id: str, sent: Any) -> None:
    """The step a batch created holds the nested payload it was sent, in its ``step_created``
    event and as ``steps.get`` reads it."""
    logged = [
        e
        for e in await all_events(world, run_id)
        if e.event_type == "step_created" and e.correlation_id == step_id
    ]
    step = await returns(world.steps.get(run_id, step_id), "steps.get")
    for where, got in (
        (
            "the step_created event's eventData.input",
            (event_data_of(logged[0]) or {}).get("input") if logged else MISSING,
        ),
        ("steps.get input", step.input),
    ):
        if (difference := values.first_difference(got, sent)) is not None:
            fail(
                f"a step createBatch created keeps the payload sent: {where} is the nested payload",
                f"held another: {difference}",
                ("sent", sent),
                ("held", got),
            )


async def _check_ending_batch(world: World) -> None:
    """A batch that completes a step and then its run, sent with ``resolveData: 'none'`` and an
    ``occurredAt`` on each event: each event is stored with its ``occurredAt`` as ``createdAt``,
    answered as the log reads it under ``'none'``, and ``run_completed`` answers the completed
    run, as its single create would."""
    run_id = await started_run(world)
    step_id = await running_step(world, run_id)
    moments = [datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=minutes) for minutes in (7, 3)]
    requests: list[EventRequest] = [make.step_completed(step_id), make.run_completed()]
    items = [
        BatchEventRequest(event=parse_event_request(request.to_wire()), occurred_at=moment)
        for request, moment in zip(requests, moments, strict=True)
    ]
    before = len(await all_events(world, run_id))
    answered = await returns(
        cast(SupportsCreateBatch, world.events).create_batch(
            run_id, items, CreateEventBatchParams(resolve_data="none")
        ),
        "createBatch of step_completed and run_completed, with occurredAt and resolveData 'none'",
    )
    stored = (await all_events(world, run_id))[before:]
    bare = await returns(
        world.events.list(run_id, pagination=PaginationOptions(limit=100), resolve_data="none"),
        "events.list with resolveData 'none'",
    )
    bare_by_id = {event.event_id: event.to_wire() for event in bare.data}
    results = answered.to_wire().get("results", [])
    if len(stored) != len(requests):
        fail(
            f"createBatch of {len(requests)} accepted events stores {len(requests)}",
            f"stored {len(stored)}",
            ("stored", stored),
        )
    stamps = [event.created_at for event in stored]
    if stamps != moments:
        fail(
            "createBatch stores each event with its occurredAt as createdAt",
            f"stored createdAt {[stamp.isoformat() for stamp in stamps]}",
            ("occurredAt sent", [moment.isoformat() for moment in moments]),
            ("stored", stored),
        )
    shown = [result.get("event") for result in results]
    wanted = [bare_by_id.get(event.event_id) for event in stored]
    if shown != wanted:
        fail(
            "createBatch with resolveData 'none' answers each event as events.list reads it under 'none'",
            "answered otherwise",
            ("answered", shown),
            ("events.list under 'none'", wanted),
        )
    ended = results[-1].get("run") if results else None
    if not isinstance(ended, dict) or ended.get("status") != "completed" or ended.get("runId") != run_id:
        fail(
            "createBatch answers run_completed with the completed run, as its single create does",
            "answered otherwise",
            ("result", results[-1] if results else None),
        )


async def _check_slots(
    world: World,
    run_id: str,
    before: Sequence[Any],
    accepted: Sequence[tuple[EventRequest, Any]],
    answered: Any,
) -> None:
    """The accepted events were appended, in request order, as answered, and nothing else."""
    after = await all_events(world, run_id)
    appended = [event.to_wire() for event in after[len(before) :]]
    shown = [result.get("event") or {} for _, result in accepted]
    wanted = [(str(request.event_type), request.correlation_id) for request, _ in accepted]
    if (
        len(accepted) != 4
        or [(e.get("eventType"), e.get("correlationId")) for e in appended] != wanted
        or appended != shown
    ):
        fail(
            "createBatch appends the four events its single creates would take, in request order at the next "
            "slots, as it answers them, and nothing for the refused ones",
            "stored otherwise",
            ("appended", appended),
            ("answered", answered),
        )


def _refused_batches(run_id: str, step_id: str, hook_id: str) -> list[tuple[str, list[EventRequest]]]:
    """Batches no single write can express, each with a harmless event first."""
    wait = make.wait_created(make.new_id("wait"), from_now(3600))
    fresh = make.new_id("step")
    forbidden: list[tuple[str, EventRequest]] = [
        ("run_created", make.run_created()),
        ("run_started", make.run_started()),
        ("run_cancelled", make.run_cancelled()),
        ("hook_created", make.hook_created(make.new_id("hook"), make.token())),
        ("hook_disposed", make.hook_disposed(hook_id)),
        ("attr_set", make_line5.attr_set([("k", "v")], correlation_id=make.new_id("attr"))),
    ]
    return [
        *((f"a {kind}", [wait, request]) for kind, request in forbidden),
        (
            "step_created, step_started, step_completed of one step",
            [make.step_created(fresh), make.step_started(fresh), make.step_completed(fresh)],
        ),
        (
            "step_completed then step_failed of one step",
            [make.step_completed(step_id), make.step_failed(step_id)],
        ),
        ("run_completed then run_failed", [make.run_completed(), make.run_failed()]),
        (
            "step_created then a step_started carrying input",
            [make.step_created(fresh), make_line5.lazy_step_started(fresh)],
        ),
    ]


@invariant("OPT-007", requires=Capability.CREATE_BATCH)
async def test_batch_no_single_write_can_express_is_refused_whole(world: World) -> None:
    """``events.createBatch`` holding a type a batch cannot hold (``run_created``,
    ``run_started``, ``run_cancelled``, ``hook_created``, ``hook_disposed``, ``attr_set``) or
    more than one event for one entity (bar ``step_created`` then a payload-free
    ``step_started``) is refused as a whole: an error, and the log and the run as they were."""
    run_id = await started_run(world)
    step_id = await running_step(world, run_id)
    hook_id, _ = await live_hook(world, run_id)
    batch = cast(SupportsCreateBatch, world.events)
    for what, requests in _refused_batches(run_id, step_id, hook_id):
        before = (await all_events(world, run_id), (await run_of(world, run_id)).status)
        await rejects(batch.create_batch(run_id, _batch(*requests)), f"createBatch with {what}")
        after = (await all_events(world, run_id), (await run_of(world, run_id)).status)
        if [e.event_id for e in after[0]] != [e.event_id for e in before[0]] or after[1] != before[1]:
            fail(
                f"createBatch with {what} is refused whole: nothing stored",
                f"stored {[e.event_type for e in after[0][len(before[0]) :]]}",
                ("log after", after[0]),
            )
