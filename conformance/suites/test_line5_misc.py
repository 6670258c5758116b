"""What ``events.create`` accepts and refuses on the 5.x line (world-contract-v7.md §4.1, §4.2,
§4.6): World-only events and schema violations refused with nothing stored, unknown and advisory
params ignored, and a terminal run that never runs again however ``run_started`` races its end."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from conformance.catalogue.marker import invariant
from conformance.checks import make, make_line5
from conformance.checks.expect import fail, rejects, returns
from conformance.checks.reads import all_events, run_of, run_state, unchanged_since
from conformance.checks.scenarios import (
    attempt,
    create,
    finishing_request,
    pending_run,
    race,
    requests_for_one_run,
    started_run,
)
from worldspec import errors
from worldspec.events import EventRequest, event_data_of
from worldspec.line5 import event_data as line5_data
from worldspec.line5 import events as line5_events
from worldspec.lines import SpecLine
from worldspec.protocol import World
from worldspec.wire_types import MISSING

TERMINAL_KINDS = ("run_completed", "run_failed", "run_cancelled")
RACE_ROUNDS = 8
"""Races of ``run_started`` against each ending, per starting state."""
ASTRAL = "\U0001fa9d"
"""One code point, two UTF-16 units: the length rule counts it once (code points, as zod 4.5)."""


def _client_conflict(hook_id: str, token: str, conflicting_run_id: Any) -> EventRequest:
    """A ``hook_conflict`` as a client that skips validation would send it."""
    data = line5_data.HookConflictData(token=token, conflicting_run_id=conflicting_run_id)
    return make.careless(
        line5_events.HookCreatedRequest, "hook_conflict", correlation_id=hook_id, event_data=data
    )


@invariant("EVT-104")
async def test_client_hook_conflict_is_refused(world: World) -> None:
    """A client-sent ``hook_conflict`` is refused with ``WorkflowWorldError`` (or a subclass)
    and stores nothing: for a hook id the run never created, for a live hook's own id and token,
    with and without ``conflictingRunId``, on a pending and on a running run."""
    other_run = await started_run(world)
    for started in (False, True):
        run_id = await (started_run(world) if started else pending_run(world))
        hook_id, token = make.new_id("hook"), make.token()
        await create(world, run_id, make.hook_created(hook_id, token))
        requests = {
            "for a hook id never created": _client_conflict(make.new_id("hook"), make.token(), other_run),
            "for a live hook's id and token": _client_conflict(hook_id, token, other_run),
            "without conflictingRunId": _client_conflict(make.new_id("hook"), make.token(), MISSING),
        }
        for label, request in requests.items():
            action = f"a client-sent hook_conflict {label}, on a {'running' if started else 'pending'} run"
            before = await run_state(world, run_id)
            await rejects(world.events.create(run_id, request), action, (errors.WorkflowWorldError,))
            await unchanged_since(world, run_id, before, action)


ADVISORY_PARAMS: dict[str, Any] = {
    "replay_divergence_count": 3,
    "v1_compat": True,
    "request_id": "req_worldspec",
    "compute_instance_id": "cpu_worldspec",
    "via_step_dispatch": True,
}
"""Members of ``CreateEventParams`` a World may not implement; it must ignore them."""


def _holds_key(value: Any, key: str) -> bool:
    """Whether ``key`` is a key of ``value`` or of anything nested in it."""
    if isinstance(value, dict):
        return key in value or any(_holds_key(item, key) for item in value.values())
    if isinstance(value, list):
        return any(_holds_key(item, key) for item in value)
    return False


@invariant("EVT-105")
async def test_unknown_params_are_ignored(world: World) -> None:
    """Creates sent with ``CreateEventParams`` members a World may not implement
    (``replayDivergenceCount``, ``v1Compat``, ``requestId``, ``computeInstanceId``,
    ``viaStepDispatch``) succeed as they would without them, for run, step, hook and wait events;
    and ``replayDivergenceCount`` is stored nowhere: not on any event read back (result,
    ``events.get``, ``events.list``), nor in what the World stores when the kit can read it."""
    params = make.create_params(SpecLine.LINE_5, **ADVISORY_PARAMS)
    run_id = await pending_run(world)
    shown: list[tuple[str, Any]] = []
    for request in requests_for_one_run():
        result = await returns(
            world.events.create(run_id, request, params), f"{request.event_type} with advisory params"
        )
        if result.event is MISSING or result.event.event_type != request.event_type:
            fail(
                f"{request.event_type} with params the World may not implement is logged as without them",
                "logged no such event",
                ("result", result),
            )
        shown.append((f"the {request.event_type} result's event", result.event.to_wire()))
    for event in await all_events(world, run_id):
        shown.append((f"events.list {event.event_type}", event.to_wire()))
        got = await returns(world.events.get(run_id, event.event_id), "events.get")
        shown.append((f"events.get {event.event_type}", got.to_wire()))
    door = getattr(world, "worldspec_backdoor", None)
    reader = getattr(door, "read_stored_events", None)
    if callable(reader):
        for stored in await reader(run_id):
            shown.append(("the stored log (read through the World's backdoor)", stored))
    kept = [(where, value) for where, value in shown if _holds_key(value, "replayDivergenceCount")]
    if kept:
        fail(
            "replayDivergenceCount, a create's param, is never stored",
            f"shows it in {len(kept)} places",
            *kept[:3],
        )
    final = await run_of(world, run_id)
    if final.status != "completed":
        fail("the run the advisory-params creates completed is completed", f"is {final.status}")


SCHEMA_VIOLATIONS: tuple[tuple[str, str], ...] = (
    ("a cancelReason of 513 characters", "r" * 513),
    (f"a cancelReason of 513 astral characters ({ASTRAL})", ASTRAL * 513),
    ("a cancelReason of 100000 characters", "r" * 100_000),
)
LONGEST_REASONS: tuple[tuple[str, str], ...] = (
    ("a cancelReason of 512 characters", "r" * 512),
    (f"a cancelReason of 512 astral characters ({ASTRAL}, 1024 UTF-16 units)", ASTRAL * 512),
)


def _long_cancellation(reason: str) -> EventRequest:
    """``run_cancelled`` with ``reason``, built without the length check the model applies."""
    data = line5_data.RunCancelledData.model_construct(cancel_reason=reason)
    return cast(EventRequest, line5_events.RunCancelledRequest.model_construct(event_data=data))


@invariant("EVT-106")
async def test_schema_violations_are_refused_with_400(world: World) -> None:
    """A ``run_cancelled`` whose ``cancelReason`` is over 512 characters (513 ASCII, 513 astral
    code points, 100000) is refused with ``WorkflowWorldError`` status 400 and stores nothing,
    on a pending and on a running run; the longest legal reasons (512 ASCII, 512 astral code
    points) are accepted and kept whole."""
    for started in (False, True):
        state = "running" if started else "pending"
        for label, reason in SCHEMA_VIOLATIONS:
            run_id = await (started_run(world) if started else pending_run(world))
            action = f"run_cancelled with {label} on a {state} run"
            before = await run_state(world, run_id)
            error = await rejects(world.events.create(run_id, _long_cancellation(reason)), action)
            status = getattr(error, "status", None)
            if not isinstance(error, errors.WorkflowWorldError) or status != 400:
                fail(
                    f"{action} is refused with WorkflowWorldError status 400",
                    f"raised {type(error).__name__} with status {status}",
                    ("error", error),
                )
            await unchanged_since(world, run_id, before, action)
        for label, reason in LONGEST_REASONS:
            run_id = await (started_run(world) if started else pending_run(world))
            action = f"run_cancelled with {label} on a {state} run"
            result = await returns(world.events.create(run_id, make_line5.run_cancelled(reason)), action)
            kept = (
                (event_data_of(result.event) or {}).get("cancelReason")
                if result.event is not MISSING
                else None
            )
            if kept != reason:
                fail(f"{action} is accepted and keeps the reason whole", "kept another", ("kept", kept))


async def _race_start_and_end(world: World, started: bool, kind: str) -> None:
    """One race of ``run_started`` against the ending ``kind`` on a pending or running run,
    judged afterwards: the run is ended, and no ``run_started`` is logged after the ending."""
    run_id = await (started_run(world) if started else pending_run(world))
    outcome = await race(
        [
            world.events.create(run_id, make.run_started()),
            world.events.create(run_id, finishing_request(kind)),
        ]
    )
    ending = outcome.outcomes[1]
    if isinstance(ending, errors.WorkflowError):
        return
    run = await run_of(world, run_id)
    logged = [event.event_type for event in await all_events(world, run_id)]
    after_end = logged[logged.index(kind) + 1 :] if kind in logged else []
    if run.status != kind.removeprefix("run_") or "run_started" in after_end:
        fail(
            f"a run_started racing {kind} on a {'running' if started else 'pending'} run is ordered before "
            "it or refused: the run stays ended and no run_started follows the ending in its log",
            f"left the run {run.status} with the log {logged}",
            ("run_started's outcome", outcome.outcomes[0]),
            ("the ending's outcome", ending),
        )
    await attempt(world.events.create(run_id, make.run_started()))
    after = await run_of(world, run_id)
    if after.status != run.status:
        fail(f"run_started on an ended ({run.status}) run leaves it ended", f"made it {after.status}")


@invariant("RUN-105", races=True)
async def test_terminal_run_never_runs_again(world: World) -> None:
    """``run_started`` raced against ``run_cancelled`` on a pending run, and against each
    ending on a running run, 8 times each: when the ending succeeds the run stays ended and no
    ``run_started`` is logged after it; a later ``run_started`` leaves it ended too."""
    cases = [(False, "run_cancelled"), *((True, kind) for kind in TERMINAL_KINDS)]
    for started, kind in cases:
        for _ in range(RACE_ROUNDS):
            await _race_start_and_end(world, started, kind)
            await asyncio.sleep(0)
