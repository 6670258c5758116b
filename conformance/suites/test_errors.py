"""Errors (§3, §12): the runtime tells errors apart by ``name`` alone, so a World speaks exactly
the ``@workflow/errors`` vocabulary, with the fields each name carries. Which name each refusal
must have is judged by the invariant of that refusal; here, the vocabulary itself, the statuses
the contract asks of malformed creates and of getter misses (SHOULD), and the optional state
guard's 412."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

from conformance.catalogue.marker import invariant
from conformance.checks import make
from conformance.checks.expect import deviate, fail, raises, returns
from conformance.checks.reads import all_events
from conformance.checks.scenarios import (
    TERMINAL_RUN_EVENTS,
    create,
    events_of,
    finish_run,
    finishing_request,
    from_now,
    live_hook,
    running_step,
    started_run,
)
from worldspec import errors
from worldspec.capabilities import Capability
from worldspec.events import (
    CreateEventParams,
    Event,
    EventRequest,
    HookCreatedData,
    HookCreatedRequest,
    StepStartedRequest,
)
from worldspec.line5.slots import slot_to_event_id
from worldspec.lines import SpecLine
from worldspec.protocol import World
from worldspec.ulid import decode_time
from worldspec.wire_types import MISSING

RAISED_BY_WORLDS = frozenset(errors.ERROR_CLASSES) - {"HookConflictError", "WorkflowError"}
"""The names a World may raise: every ``@workflow/errors`` name but the runtime's own."""


async def _provoke(call: Awaitable[Any]) -> BaseException | None:
    """Await ``call``; what it raised, or ``None``."""
    try:
        await call
    except Exception as error:
        return error
    return None


def _judge(action: str, raised: BaseException | None, fields: dict[str, dict[str, Any]]) -> None:
    """If ``action`` raised, the error is a named contract error, never HookConflictError, and
    carries ``fields[name]`` when its name is one of ``fields``."""
    if raised is None:
        return
    name = getattr(raised, "name", None) if isinstance(raised, errors.WorkflowError) else None
    if name not in RAISED_BY_WORLDS:
        fail(
            f"{action} raises one of the @workflow/errors names a World raises: {sorted(RAISED_BY_WORLDS)}",
            f"raised {type(raised).__name__} named {name!r}: {raised}",
        )
    assert isinstance(raised, errors.WorkflowError)
    wanted = fields.get(raised.name, {})
    carried = {key: raised.fields().get(key) for key in wanted}
    if carried != wanted:
        fail(
            f"the {raised.name} of {action} carries {wanted}",
            f"carried {carried}",
            ("error fields", raised.fields()),
        )


@invariant("ERR-001")
async def test_errors_speak_the_upstream_vocabulary(world: World) -> None:
    """Every refusal the kit provokes here (missing run, run event on an ended run, duplicate
    creates, unknown step, hook and wait, a token held by another hook, a too-early start, a
    newer spec version) raises an exception whose ``name`` is one of ``@workflow/errors``, never
    ``HookConflictError``, with that name's fields: ``runId`` of the missing run (from
    ``runs.get`` and from each of the three endings sent to it), ``token`` of
    the unknown token, ``runSpecVersion``/``worldSpecVersion``."""
    missing_run, missing_token = make.new_id("wrun"), make.token()
    run_id = await started_run(world)
    ended = await started_run(world)
    await finish_run(world, ended, "run_completed")
    _, held_token = await live_hook(world, run_id)
    step_id = await running_step(world, run_id)
    await create(world, run_id, make.step_retrying(step_id, retry_after=from_now(60)))
    held_by_other_run = await started_run(world)
    world_version = getattr(world, "spec_version", None) or 3
    missing_run_fields = {"WorkflowRunNotFoundError": {"runId": missing_run}}

    def ending_the_missing_run(kind: str) -> Callable[[], Awaitable[Any]]:
        return lambda: world.events.create(missing_run, finishing_request(kind))

    tour: list[tuple[str, Callable[[], Awaitable[Any]], dict[str, dict[str, Any]]]] = [
        ("runs.get of a missing run", lambda: world.runs.get(missing_run), missing_run_fields),
        *(
            (f"{kind} on a missing run", ending_the_missing_run(kind), missing_run_fields)
            for kind in TERMINAL_RUN_EVENTS
        ),
        ("run_started on an ended run", lambda: world.events.create(ended, make.run_started()), {}),
        ("run_failed on an ended run", lambda: world.events.create(ended, make.run_failed()), {}),
        ("a second run_created", lambda: world.events.create(run_id, make.run_created()), {}),
        (
            "step_started of an unknown step",
            lambda: world.events.create(run_id, make.step_started(make.new_id("step"))),
            {},
        ),
        (
            "step_started before retryAfter",
            lambda: world.events.create(run_id, make.step_started(step_id)),
            {},
        ),
        (
            "hook_received of an unknown hook",
            lambda: world.events.create(run_id, make.hook_received(make.new_id("hook"))),
            {},
        ),
        (
            "hooks.getByToken of an unknown token",
            lambda: world.hooks.get_by_token(missing_token),
            {"HookNotFoundError": {"token": missing_token}},
        ),
        (
            "hook_created with a token another run's hook holds",
            lambda: world.events.create(
                held_by_other_run, make.hook_created(make.new_id("hook"), held_token)
            ),
            {},
        ),
        (
            "wait_completed of an unknown wait",
            lambda: world.events.create(run_id, make.wait_completed(make.new_id("wait"))),
            {},
        ),
        (
            "run_created at specVersion 4",
            lambda: world.events.create(None, make.run_created(spec_version=4)),
            {"RunNotSupportedError": {"runSpecVersion": 4, "worldSpecVersion": world_version}},
        ),
    ]
    for action, call, fields in tour:
        _judge(action, await _provoke(call()), fields)


@invariant("ERR-002")
async def test_retry_after_is_seconds(world: World) -> None:
    """A ``TooEarlyError`` (from ``step_started`` 30 s before the step's ``retryAfter``) carries
    ``retryAfter`` as a number of seconds: a finite number, not a string, no more than the 30 s
    left (so not milliseconds). Skipped when the World raises no ``TooEarlyError`` (STEP-004
    judges that)."""
    delay = 30
    run_id = await started_run(world)
    step_id = await running_step(world, run_id)
    sent = time.monotonic()
    await create(world, run_id, make.step_retrying(step_id, retry_after=from_now(delay)))
    raised = await _provoke(world.events.create(run_id, make.step_started(step_id)))
    if not (isinstance(raised, errors.WorkflowError) and raised.name == "TooEarlyError"):
        deviate("step_started before retryAfter", f"did not raise TooEarlyError ({raised!r})", "STEP-004")
    carried = getattr(raised, "retry_after", None)
    elapsed = time.monotonic() - sent
    seconds = _as_js_number(carried)
    if seconds is None or not 0 < seconds <= delay + 1:
        fail(
            f"TooEarlyError.retryAfter is a number of seconds, at most the {delay} s left "
            f"({elapsed:.1f} s after the retry)",
            f"carried {carried!r} ({type(carried).__name__})",
        )


async def _judge_status(expected: int, call: Awaitable[Any], action: str) -> None:
    """``call`` must be refused with ``WorkflowWorldError`` carrying ``status`` ``expected``."""
    error = await raises(errors.WorkflowWorldError, call, action)
    status = getattr(error, "status", None)
    if status != expected:
        fail(
            f"{action} is refused with status {expected}",
            f"refused it with status {status!r}",
            ("error", error),
        )


@invariant("STATUS-001")
async def test_malformed_creates_are_refused_with_400(world: World) -> None:
    """A create §4.1 calls malformed is refused with ``WorkflowWorldError`` status 400: an
    eventType no client may send (``step_exploded``, and ``hook_conflict``, which only a World
    writes), and ``step_started`` or ``run_cancelled`` without a runId (``None`` and ``''``)."""
    run_id = await started_run(world)
    step_id = await running_step(world, run_id)
    unknown_type = make.careless(StepStartedRequest, "step_exploded", correlation_id=step_id)
    client_conflict = make.careless(
        HookCreatedRequest,
        "hook_conflict",
        correlation_id=make.new_id("hook"),
        event_data=HookCreatedData(token=make.token()),
    )
    malformed: list[tuple[str | None, EventRequest, str]] = [
        (run_id, unknown_type, "an eventType no client may send (step_exploded)"),
        (run_id, client_conflict, "a client-sent hook_conflict"),
        (None, make.step_started(step_id), "step_started with runId None"),
        ("", make.run_cancelled(), "run_cancelled with runId ''"),
    ]
    for target, request, action in malformed:
        await _judge_status(400, world.events.create(target, request), action)


@invariant("STATUS-002")
async def test_getter_misses_are_refused_with_404(world: World, world_line: SpecLine) -> None:
    """``steps.get`` of a stepId the run never created, and ``events.get`` of an eventId the run
    does not hold (a fresh ULID id on the 4.x line, the slot after its last event on the 5.x
    line), are refused with ``WorkflowWorldError`` status 404 (§9's getters)."""
    run_id = await started_run(world)
    held = len(await all_events(world, run_id))
    missing_event = make.new_id("evnt") if world_line is SpecLine.LINE_4 else slot_to_event_id(held + 1)
    missing_step = make.new_id("step")
    await _judge_status(
        404, world.steps.get(run_id, missing_step), f"steps.get of an unknown stepId {missing_step!r}"
    )
    await _judge_status(
        404,
        world.events.get(run_id, missing_event),
        f"events.get of an eventId the run does not hold {missing_event!r}",
    )


def _as_js_number(value: object) -> float | None:
    """``value`` if it is a finite number (never a bool or a numeric string), else ``None``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _ulid_ms(event: Event) -> int:
    """The epoch-ms time of ``event``'s eventId ULID."""
    return round(decode_time(event.event_id.rsplit("_", 1)[-1]).timestamp() * 1000)


@invariant("ERR-003", requires=Capability.STATE_GUARD)
async def test_state_guard_refuses_stale_creates(world: World) -> None:
    """(``state_guard``) A run's marker is the ULID time of its newest ``hook_received`` or
    ``step_completed`` created without ``stateUpdatedAt``. A create whose ``stateUpdatedAt`` is
    older raises ``PreconditionFailedError`` (status 412) and appends nothing; one equal to the
    marker passes; later events that are not external, or are external but created with
    ``stateUpdatedAt`` (replays), leave the marker where it was."""
    run_id = await started_run(world)
    hook_id, _ = await live_hook(world, run_id)
    received = await create(world, run_id, make.hook_received(hook_id))
    if received.event is MISSING:
        fail("hook_received returns its event", "returned none", ("result", received))
    marker = _ulid_ms(received.event)
    step_id = make.new_id("step")
    stale = await raises(
        errors.PreconditionFailedError,
        world.events.create(
            run_id, make.step_created(step_id), CreateEventParams(state_updated_at=marker - 1)
        ),
        "step_created with stateUpdatedAt 1 ms older than the run's newest hook_received",
    )
    if getattr(stale, "status", None) != 412:
        fail("PreconditionFailedError carries status 412", f"carried {getattr(stale, 'status', None)!r}")
    if await events_of(world, run_id, step_id):
        fail(
            "the refused create appends nothing",
            "appended",
            ("its events", await events_of(world, run_id, step_id)),
        )
    current = CreateEventParams(state_updated_at=marker)
    for request in (make.step_created(step_id), make.step_started(step_id)):
        await returns(world.events.create(run_id, request, current), f"{request.event_type} at the marker")
    await asyncio.sleep(0.005)
    await create(world, run_id, make.step_created(make.new_id("step")))
    replayed = await returns(
        world.events.create(run_id, make.step_completed(step_id), current),
        "step_completed created by a replay",
    )
    if replayed.event is not MISSING and _ulid_ms(replayed.event) > marker:
        await returns(
            world.events.create(run_id, make.wait_created(make.new_id("wait"), from_now(60)), current),
            "wait_created at the marker, after a step_created and a replayed step_completed",
        )
