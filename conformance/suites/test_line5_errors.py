"""Errors of the 5.x line (world-contract-v7.md §3): the expiry errors' status and fields."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from conformance.catalogue.marker import invariant
from conformance.checks import make, values
from conformance.checks.expect import fail, raises, returns
from conformance.checks.scenarios import attempt, create, finish_run, live_hook, running_step, started_run
from conformance.world.capabilities import declares_on_line_5
from worldspec.errors import WorkflowError
from worldspec.events import EventRequest
from worldspec.line5 import errors as line5_errors
from worldspec.line5 import event_data, events
from worldspec.line5.capabilities import Capability as LineFiveCapability
from worldspec.protocol import World

ENDINGS = ("run_completed", "run_failed", "run_cancelled")


def _purged_run_created() -> EventRequest:
    """``run_created`` with ``$retention: '0'``: the run's data goes when it ends (§12)."""
    data = event_data.RunCreatedData(
        deployment_id=make.DEPLOYMENT_ID,
        workflow_name=make.workflow_name(),
        input=b"devl\x00input",
        attributes={"$retention": "0"},
        allow_reserved_attributes=True,
    )
    return cast(EventRequest, events.RunCreatedRequest(event_data=data))


async def _check_stream_expiry(world: World) -> None:
    """Read the stream of a run that ended with ``$retention: '0'`` through every member; where
    a member raises ``StreamExpiredError``, the error has status 410, runId, streamId, expiredAt."""
    streams: Any = cast(Any, world).streams
    created = await create(world, None, _purged_run_created())
    run_id = cast(Any, created.run).run_id
    await create(world, run_id, make.run_started())
    name = values.stream_name()
    await returns(streams.write(run_id, name, b"chunk"), "streams.write")
    # Closed, so that a World that failed to purge (RET-004's business) shows the chunk and a
    # close instead of keeping a reader waiting for more.
    await returns(streams.close(run_id, name), "streams.close")
    await finish_run(world, run_id, "run_completed")

    async def read_all() -> list[bytes]:
        return [chunk async for chunk in streams.get(run_id, name)]

    reads: dict[str, Callable[[], Awaitable[Any]]] = {
        "streams.get": read_all,
        "streams.get_chunks": lambda: streams.get_chunks(run_id, name),
        "streams.get_info": lambda: streams.get_info(run_id, name),
    }
    for member, read in reads.items():
        try:
            await read()
        except line5_errors.StreamExpiredError as error:
            shown = {
                "status": error.status,
                "runId": error.run_id,
                "streamId": error.stream_id,
                "expiredAt": error.expired_at,
            }
            if (
                error.status != 410
                or error.run_id != run_id
                or not error.stream_id
                or error.expired_at is None
            ):
                fail(
                    f"a StreamExpiredError from {member} of an expired run's stream has status 410, "
                    "the runId, the streamId and expiredAt",
                    f"carried {shown}",
                    ("runId", run_id),
                    ("stream name", name),
                )


def _has_status_410(error: WorkflowError, action: str) -> None:
    status = getattr(error, "status", None)
    if status != 410:
        fail(f"the RunExpiredError of {action} has status 410", f"has status {status!r}", ("error", error))


@invariant("ERR-101")
async def test_expiry_errors_carry_410(world: World) -> None:
    """``RunExpiredError`` has status 410: from ``run_started`` on a run that completed, failed
    or was cancelled, from a bare ``step_started`` on a terminal run's step, and from a
    ``hook_received`` there when the World refuses it with that error (HOOK-103). A World that
    declares ``retention`` and answers a read of a purged run's stream with
    ``StreamExpiredError`` gives it status 410, ``runId``, ``streamId`` and ``expiredAt`` (it
    may instead show an empty closed stream)."""
    for ending in ENDINGS:
        run_id = await started_run(world)
        step_id = await running_step(world, run_id)
        hook_id, _ = await live_hook(world, run_id)
        await finish_run(world, run_id, ending)
        refusals: dict[str, EventRequest] = {
            f"run_started on a run ended by {ending}": make.run_started(),
            f"step_started on a step of a run ended by {ending}": make.step_started(step_id),
        }
        for action, request in refusals.items():
            error = await raises(line5_errors.RunExpiredError, world.events.create(run_id, request), action)
            _has_status_410(error, action)
        received = await attempt(world.events.create(run_id, make.hook_received(hook_id)))
        if isinstance(received, WorkflowError) and received.name == "RunExpiredError":
            _has_status_410(received, f"hook_received on a run ended by {ending}")
    if declares_on_line_5(world, LineFiveCapability.RETENTION):
        await _check_stream_expiry(world)
