"""Spec versions and older runs on the 5.x line (world-contract-v7.md §2.4, §6.5): every version
from 1 to 7 is accepted and kept, newer ones refused, and runs a World at spec 5 or below stored
stay readable and writable as they were stored.

Stored runs are seeded through the World's backdoor (``legacy_seeding``), as a 4.x World left
them: ULID event ids, spec 2 to 5, StructuredError errors.
"""

from __future__ import annotations

from typing import Any

from conformance.catalogue.marker import invariant
from conformance.checks import make, make_line5
from conformance.checks.backdoor import backdoor
from conformance.checks.event_ids import is_ulid_event_id
from conformance.checks.expect import fail, raises, returns
from conformance.checks.reads import all_events, run_of
from conformance.checks.scenarios import create, live_hook, run_in
from worldspec import errors
from worldspec.capabilities import Capability
from worldspec.pagination import PaginationOptions
from worldspec.protocol import World
from worldspec.ulid import MonotonicUlid
from worldspec.wire_types import MISSING

STORED_AT = 1_700_000_000_000
"""When the seeded runs were stored (ms since the epoch): long before the kit's run."""
STRUCTURED_ERROR = {
    "message": "step broke: legacy",
    "stack": "Error: legacy\n    at step (x.js:1:1)",
    "code": "E_OLD",
}
"""A run ``error`` as a 4.x World stored it."""


@invariant("LEG-102")
async def test_world_at_6_serves_runs_at_7(world: World) -> None:
    """A World declaring spec version 6 accepts ``run_created`` at specVersion 7, keeps that
    version on the run, and serves the run: it starts, takes a step through its life and a hook,
    and completes. A World declaring 7 keeps the rule (LEG-103 judges it at 7)."""
    if getattr(world, "spec_version", None) != 6:
        return
    result = await returns(
        world.events.create(None, make_line5.run_created(spec_version=7)), "run_created at 7"
    )
    run_id = run_in(result, "run_created at 7", "RUN-001").run_id
    step_id = make.new_id("step")
    for request in (
        make.run_started(),
        make.step_created(step_id),
        make.step_started(step_id),
        make.step_completed(step_id),
        make.hook_created(make.new_id("hook"), make.token()),
        make.run_completed(),
    ):
        await returns(world.events.create(run_id, request), f"{request.event_type} on a run at spec 7")
    run = await run_of(world, run_id)
    if run.status != "completed" or run.spec_version != 7:
        fail("the run at spec 7 completes and keeps specVersion 7", "shows otherwise", ("run", run))


@invariant("LEG-103")
async def test_every_version_up_to_7_is_accepted_and_kept(world: World) -> None:
    """``run_created`` at each specVersion from 1 to 7 is accepted; the run shows that version in
    the result and from ``runs.get``, and so does its ``run_created``."""
    for version in range(1, 8):
        label = f"run_created at specVersion {version}"
        result = await returns(world.events.create(None, make_line5.run_created(spec_version=version)), label)
        returned = run_in(result, label, "RUN-001")
        stored = await run_of(world, returned.run_id)
        log = await all_events(world, returned.run_id)
        created = log[0].spec_version if log else MISSING
        if (returned.spec_version, stored.spec_version, created) != (version, version, version):
            fail(
                f"{label}: the run and its run_created keep specVersion {version}",
                f"showed {returned.spec_version!r} (result), {stored.spec_version!r} (runs.get), "
                f"{created!r} (run_created)",
            )


@invariant("LEG-104")
async def test_versions_above_7_are_not_supported(world: World) -> None:
    """``run_created`` and a resilient ``run_started`` asking for specVersion 8 or 100 are refused
    with ``RunNotSupportedError``, and no run is stored."""
    for version in (8, 100):
        await raises(
            errors.RunNotSupportedError,
            world.events.create(None, make_line5.run_created(spec_version=version)),
            f"run_created at specVersion {version}",
        )
        run_id = make.new_id("wrun")
        await raises(
            errors.RunNotSupportedError,
            world.events.create(run_id, make_line5.resilient_run_started(spec_version=version)),
            f"resilient run_started at specVersion {version}",
        )
        listed = await returns(
            world.events.list(run_id, pagination=PaginationOptions(limit=10)), "events.list"
        )
        if listed.data:
            fail(
                f"the refused resilient start at {version} stores nothing",
                "stored events",
                ("log", listed.data),
            )


def _stored_run(version: int, status: str, **fields: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A run at ``version`` as a spec-≤5 World stored it, with its ``run_created`` (and a
    ``run_started`` when it is not pending), ULID event ids, wire form."""
    run_id, mint = make.new_id("wrun"), MonotonicUlid()
    data = {
        "deploymentId": make.DEPLOYMENT_ID,
        "workflowName": make.workflow_name(),
        "input": {"legacy": version},
    }
    run = {"runId": run_id, "status": status, "specVersion": version, "createdAt": STORED_AT, **data}
    run.update(updatedAt=STORED_AT, **fields)
    stamp = {"runId": run_id, "createdAt": STORED_AT, "specVersion": version}
    log = [{**stamp, "eventId": f"evnt_{mint()}", "eventType": "run_created", "eventData": data}]
    if status != "pending":
        run["startedAt"] = STORED_AT
        log.append({**stamp, "eventId": f"evnt_{mint()}", "eventType": "run_started"})
    return run, log


LAZILY_STARTED_AT = 5
"""The stored version whose run's step is started lazily in LEG-105: a non-legacy run below 6
follows every 5.x rule but slots (§6.5), lazy start included."""


@invariant("LEG-105", requires=Capability.LEGACY_SEEDING)
async def test_stored_older_runs_stay_as_stored(world: World) -> None:
    """A running run stored by a World at spec 2, 3 or 5 (ULID event ids) reads back with its
    version and events as stored; it takes a step through its life (at spec 5 started lazily,
    one create that appends two events), a hook and its completion, each new event with an id
    of its own, ``evnt_`` (or ``wevt_``) and a ULID (never a slot), listed after the stored
    ones; its version, and the ids and versions of the stored events, never change."""
    door = backdoor(world)
    for version in (2, 3, 5):
        run, seeded = _stored_run(version, "running")
        run_id = str(run["runId"])
        await door.seed_legacy_run(run, seeded)
        step_id = make.new_id("step")
        starts = (
            [make_line5.lazy_step_started(step_id)]
            if version == LAZILY_STARTED_AT
            else [make.step_created(step_id), make.step_started(step_id)]
        )
        for request in (*starts, make.step_completed(step_id)):
            await create(world, run_id, request)
        await live_hook(world, run_id)
        await create(world, run_id, make.run_completed())
        log = await all_events(world, run_id)
        stored = [(event["eventId"], event["specVersion"]) for event in seeded]
        kept = [(event.event_id, event.spec_version) for event in log[: len(seeded)]]
        added = [event.event_id for event in log[len(seeded) :]]
        shown = await run_of(world, run_id)
        if (
            kept != stored
            or len(added) != 5
            or not all(is_ulid_event_id(event_id) for event_id in added)
            or len({event.event_id for event in log}) != len(log)
            or [event.event_id for event in log] != sorted(event.event_id for event in log)
            or shown.spec_version != version
            or shown.status != "completed"
        ):
            fail(
                f"a run stored at spec {version} keeps its version and event ids; new events get ULID ids "
                "listed after the stored ones, and it completes",
                "showed otherwise",
                ("stored log", seeded),
                ("events.list", log),
                ("run", shown),
            )


@invariant("LEG-106", requires=Capability.LEGACY_SEEDING)
async def test_stored_structured_error_reads_back_unchanged(world: World) -> None:
    """A failed run stored by a 4.x World (spec 2, 3 or 5) with a StructuredError ``{message,
    stack, code}`` as its ``error`` reads back, from ``runs.get`` and ``runs.list``, with that
    error exactly or without one, never converted. (Steps are not judged: the backdoor seeds no
    step entities.)"""
    door = backdoor(world)
    for version in (2, 3, 5):
        run, seeded = _stored_run(version, "failed", completedAt=STORED_AT, error=STRUCTURED_ERROR)
        await door.seed_legacy_run(run, seeded)
        run_id = str(run["runId"])
        got = (await run_of(world, run_id)).to_wire().get("error", MISSING)
        listed = await returns(
            world.runs.list(workflow_name=str(run["workflowName"]), pagination=PaginationOptions(limit=10)),
            "runs.list",
        )
        in_list = next(
            (r.to_wire().get("error", MISSING) for r in listed.data if r.run_id == run_id), MISSING
        )
        for where, error in (("runs.get", got), ("runs.list", in_list)):
            if error is not MISSING and error != STRUCTURED_ERROR:
                fail(
                    f"{where} returns the StructuredError a 4.x World stored (spec {version}) verbatim "
                    "or not at all",
                    "converted it",
                    ("stored", STRUCTURED_ERROR),
                    ("returned", error),
                )
