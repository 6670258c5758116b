"""Runs on the 5.x line (world-contract-v7.md §4.2, §5.1): the rules that replace RUN-005,
RUN-010 and RS-003 for spec 6 and above."""

from __future__ import annotations

from typing import Any

from conformance.catalogue.marker import invariant
from conformance.checks import make, make_line5
from conformance.checks.expect import fail, returns
from conformance.checks.reads import all_events, run_of
from conformance.checks.scenarios import create, event_in, run_in, started_run
from worldspec.events import event_data_of
from worldspec.lines import LINE_5_VERSIONS
from worldspec.pagination import PaginationOptions
from worldspec.protocol import World
from worldspec.wire_types import MISSING

INPUT = b"devl\x00" + bytes(range(256))
CONTEXT = {"region": "iad1", "nested": {"list": [1, "two"]}}
ATTRIBUTES = {"team": "payments", "tier": "gold"}

RUN_FAILED_ERRORS: tuple[tuple[str, Any, Any], ...] = (
    ("a string", "it broke", MISSING),
    ("an object with its own keys, and an errorCode", {"message": "m", "stack": "s", "extra": [1]}, "E_X"),
    ("encrypted bytes", b"encr\x00\x01\xfe", "E_ENC"),
)


DEFAULT_VERSIONS = set(LINE_5_VERSIONS)
"""The versions a request without ``specVersion`` may be stamped with (the World's default D,
§2.4): 6 or 7. That D should be the World's declared version is a SHOULD no invariant states."""


@invariant("RUN-101")
async def test_created_run_echoes_the_5x_fields(world: World) -> None:
    """``run_created`` with every 5.x member makes a run that repeats deploymentId, workflowName,
    executionContext, attributes, encryptionPublicKey and the sent specVersion, input byte-exact;
    without attributes and specVersion the run has ``attributes: {}`` and the World's default
    version D (6 or 7; it should be the World's own, which is not judged). In the result and
    from ``runs.get``."""
    full = make_line5.run_created(
        input=INPUT,
        execution_context=CONTEXT,
        attributes=ATTRIBUTES,
        encryption_public_key="pk_worldspec",
        spec_version=6,
    )
    bare = make_line5.run_created(input=INPUT)
    defaults = DEFAULT_VERSIONS
    for request, label in ((full, "with every member"), (bare, "with none of the optional ones")):
        sent = event_data_of(request) or {}
        result = await create(world, None, request)
        returned = run_in(result, "run_created", "RUN-001")
        for where, run in (("the result", returned), ("runs.get", await run_of(world, returned.run_id))):
            shown = run.to_wire()
            expected = {
                "deploymentId": sent["deploymentId"],
                "workflowName": sent["workflowName"],
                "executionContext": sent.get("executionContext", MISSING),
                "attributes": sent.get("attributes", {}),
                "encryptionPublicKey": sent.get("encryptionPublicKey", MISSING),
            }
            got = {key: shown.get(key, MISSING) for key in expected}
            version = shown.get("specVersion")
            version_ok = version == 6 if request is full else version in defaults
            if got != expected or not version_ok or run.input != INPUT:
                version_text = "6" if request is full else f"one of {sorted(defaults)}"
                fail(
                    f"run_created {label}: {where} repeats what was sent (attributes {{}} when none, "
                    f"specVersion {version_text}, input byte-exact)",
                    "shows otherwise",
                    ("expected", {**expected, "specVersion": 6 if request is full else sorted(defaults)}),
                    ("run", run),
                )


@invariant("RUN-102")
async def test_run_failed_keeps_the_error_as_sent(world: World) -> None:
    """``run_failed`` makes the run failed with ``completedAt``; its ``error`` is the sent
    ``eventData.error`` exactly (a string, an object with keys of its own, encrypted bytes),
    never normalised to ``{message, stack}``, and its ``errorCode`` the sent one. In the result
    and from ``runs.get``."""
    for what, error, error_code in RUN_FAILED_ERRORS:
        run_id = await started_run(world)
        result = await create(world, run_id, make_line5.run_failed(error, error_code))
        returned = run_in(result, "run_failed", "RUN-009")
        for where, run in (("the result", returned), ("runs.get", await run_of(world, run_id))):
            shown = run.to_wire()
            good = (
                shown.get("status") == "failed"
                and shown.get("completedAt") is not None
                and run.error == error
                and type(run.error) is type(error)
                and shown.get("errorCode", MISSING) == error_code
            )
            if not good:
                fail(
                    f"run_failed with {what}: {where} shows the run failed, with completedAt, the error "
                    "exactly as sent and the sent errorCode",
                    "shows otherwise",
                    ("sent error", error),
                    ("sent errorCode", error_code),
                    ("run", run),
                )


@invariant("RS-101")
async def test_resilient_run_takes_the_event_version_or_the_default(world: World) -> None:
    """A resilient ``run_started`` for a missing run gives the run and its ``run_created`` the
    event's specVersion (6 here), or, when the event has none, the World's default D (6 or
    7)."""
    defaults = DEFAULT_VERSIONS
    for sent in (6, MISSING):
        run_id = make.new_id("wrun")
        await create(world, run_id, make_line5.resilient_run_started(input=INPUT, spec_version=sent))
        run = await run_of(world, run_id)
        created = next((e for e in await all_events(world, run_id) if e.event_type == "run_created"), None)
        allowed = {6} if sent == 6 else defaults
        if created is None or run.spec_version not in allowed or created.spec_version != run.spec_version:
            fail(
                f"a resilient start {'at specVersion 6' if sent == 6 else 'without specVersion'} gives the "
                f"run and its run_created specVersion {sorted(allowed)}",
                "gave another",
                ("run", run),
                ("run_created", created if created is not None else "(none logged)"),
            )


@invariant("RUN-103")
async def test_cancellation_keeps_its_reason(world: World) -> None:
    """``run_cancelled`` with a ``cancelReason`` keeps it on its event: in the result, and from
    ``events.get`` and ``events.list`` with ``resolveData: 'all'`` and with ``'none'`` (the
    reason is not a payload)."""
    run_id = await started_run(world)
    reason = "cancelled by worldspec: the operator asked"
    result = await create(world, run_id, make_line5.run_cancelled(reason))
    event_id = event_in(result, "run_cancelled", "RUN-009").event_id
    shown = {"the result": event_data_of(event_in(result, "run_cancelled", "RUN-009"))}
    for resolve in ("all", "none"):
        got = await returns(world.events.get(run_id, event_id, resolve_data=resolve), "events.get")
        listed = await returns(
            world.events.list(run_id, pagination=PaginationOptions(limit=100), resolve_data=resolve),
            "events.list",
        )
        shown[f"events.get ({resolve})"] = event_data_of(got)
        shown[f"events.list ({resolve})"] = next(
            (event_data_of(event) for event in listed.data if event.event_id == event_id), None
        )
    lost = [where for where, data in shown.items() if (data or {}).get("cancelReason") != reason]
    if lost:
        fail("run_cancelled keeps its cancelReason on every read", f"lost it in {lost}", ("eventData", shown))


@invariant("RUN-104")
async def test_starting_a_running_run_again_returns_the_run(world: World) -> None:
    """``run_started`` on a running run answers with the run (running, ``startedAt`` as the first
    start set it) and without an ``event``."""
    run_id = await started_run(world)
    first = await run_of(world, run_id)
    again = await returns(world.events.create(run_id, make.run_started()), "run_started on a running run")
    shown = again.to_wire()
    run = shown.get("run") or {}
    if (
        "event" in shown
        or run.get("status") != "running"
        or run.get("startedAt") != first.to_wire().get("startedAt")
    ):
        fail(
            "run_started on a running run returns the run with its startedAt and no event",
            "returned otherwise",
            ("result", again),
        )
