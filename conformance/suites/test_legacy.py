"""Legacy data (§6): spec-1 runs hold plain JSON, and falsy JSON survives every read path."""

from __future__ import annotations

from typing import Any

from conformance import requests as rq
from conformance.invariant import invariant
from conformance.kit import all_events, backdoor, fail, returns
from worldspec.events import event_data_of
from worldspec.ulid import MonotonicUlid
from worldspec.wire_types import MISSING

FALSY_JSON: tuple[Any, ...] = (0, False, "", None, [], {})
"""Values a truthiness check would mistake for 'absent'."""


def _exact(got: Any, sent: Any) -> bool:
    return type(got) is type(sent) and got == sent


async def _read_paths(world: Any, run_id: str, event_id: str, correlation_id: str | None) -> dict[str, Any]:
    """The eventData of one event, as each read path returns it."""
    paths: dict[str, Any] = {}
    single = await returns(world.events.get(run_id, event_id), "events.get")
    paths["events.get"] = event_data_of(single)
    listed = [e for e in await all_events(world, run_id) if e.event_id == event_id]
    paths["events.list"] = event_data_of(listed[0]) if listed else "<not listed>"
    if correlation_id is not None:
        by_id = await returns(
            world.events.list_by_correlation_id(correlation_id, run_id=run_id), "list_by_correlation_id"
        )
        found = [e for e in by_id.data if e.event_id == event_id]
        paths["events.list_by_correlation_id"] = event_data_of(found[0]) if found else "<not listed>"
    return paths


def _field(event_data: dict[str, Any] | str | None, name: str) -> Any:
    if not isinstance(event_data, dict):
        return event_data
    return event_data.get(name, MISSING)


@invariant("LEG-004")
async def test_spec1_run_keeps_json_input(world: Any) -> None:
    """``run_created`` at ``specVersion: 1`` makes a legacy run whose JSON input is kept as
    JSON (not bytes), in the run and in its ``run_created`` event."""
    sent = {"order": [1, "two", None], "flag": True, "nested": {"x": 1.5}}
    created = await returns(
        world.events.create(None, rq.run_created(input=sent, spec_version=1)), "run_created at specVersion 1"
    )
    run = await returns(world.runs.get(created.run.run_id), "runs.get")
    if run.input != sent or isinstance(run.input, bytes) or run.spec_version != 1:
        fail(
            "the run keeps the JSON input and specVersion 1",
            "returned otherwise",
            ("sent", sent),
            ("run", run),
        )
    first = (await all_events(world, run.run_id))[0]
    if _field(event_data_of(first), "input") != sent:
        fail(
            "run_created.eventData.input is the JSON sent",
            "stored otherwise",
            ("sent", sent),
            ("run_created", first),
        )


@invariant("LEG-005")
async def test_falsy_legacy_json_round_trips(world: Any) -> None:
    """Falsy JSON (``0``, ``false``, ``''``, ``null``, ``[]``, ``{}``) in a legacy run's input and
    in ``hook_received`` payloads on it comes back as that value, type included, through
    runs.get, events.get, events.list and list_by_correlation_id."""
    for value in FALSY_JSON:
        created = await returns(
            world.events.create(None, rq.run_created(input=value, spec_version=1)),
            f"legacy run_created with input {value!r}",
        )
        run_id = created.run.run_id
        run = await returns(world.runs.get(run_id), "runs.get")
        if not _exact(run.input, value):
            fail(f"runs.get returns input {value!r}", f"returned {run.input!r}", ("run", run))
        first = (await all_events(world, run_id))[0]
        for path, data in (await _read_paths(world, run_id, first.event_id, None)).items():
            if not _exact(_field(data, "input"), value):
                fail(
                    f"{path} returns run_created.eventData.input {value!r}",
                    f"returned {_field(data, 'input')!r}",
                )
        hook_id = rq.new_id("hook")
        received = await returns(
            world.events.create(run_id, rq.hook_received(hook_id, payload=value)),
            "hook_received on a legacy run",
        )
        event_id = received.event.event_id
        for path, data in (await _read_paths(world, run_id, event_id, hook_id)).items():
            if not _exact(_field(data, "payload"), value):
                fail(
                    f"{path} returns hook_received.eventData.payload {value!r}",
                    f"returned {_field(data, 'payload')!r}",
                )


@invariant("LEG-006")
async def test_legacy_fallback_only_when_current_form_absent(world: Any) -> None:
    """Runs and events stored in the legacy form (seeded through the World's backdoor, as an
    older version wrote them) read back with every payload intact, falsy values included: the
    World falls back to the legacy form only when the current one is absent, never because a
    value is falsy."""
    door = backdoor(world)
    for value in FALSY_JSON:
        run_id = rq.new_id("wrun")
        step_id, hook_id = rq.new_id("step"), rq.new_id("hook")
        stamp = {"createdAt": 1_700_000_000_000}
        run = {
            "runId": run_id,
            "status": "completed",
            "deploymentId": rq.DEPLOYMENT_ID,
            "workflowName": rq.workflow_name(),
            "input": value,
            "output": value,
            "createdAt": stamp["createdAt"],
            "updatedAt": stamp["createdAt"],
            "completedAt": stamp["createdAt"],
        }
        seeded = [
            (
                "run_created",
                None,
                {"deploymentId": rq.DEPLOYMENT_ID, "workflowName": run["workflowName"], "input": value},
            ),
            ("step_created", step_id, {"stepName": "step//legacy", "input": value}),
            ("step_completed", step_id, {"result": value}),
            ("hook_created", hook_id, {"token": rq.new_id("token"), "metadata": value}),
            ("hook_received", hook_id, {"payload": value}),
            ("run_completed", None, {"output": value}),
        ]
        events = []
        mint = MonotonicUlid()
        for kind, correlation, data in seeded:
            event = {
                "runId": run_id,
                "eventId": f"evnt_{mint()}",
                "eventType": kind,
                "eventData": data,
                **stamp,
            }
            if correlation:
                event["correlationId"] = correlation
            events.append(event)
        await door.seed_legacy_run(run, events)
        got = await returns(world.runs.get(run_id), "runs.get on a seeded legacy run")
        if not (_exact(got.input, value) and _exact(got.output, value)):
            fail(f"runs.get returns input and output {value!r}", "returned otherwise", ("run", got))
        for event, (kind, correlation, data) in zip(events, seeded, strict=True):
            (name,) = [key for key in data if key in ("input", "result", "metadata", "payload", "output")]
            for path, read in (await _read_paths(world, run_id, str(event["eventId"]), correlation)).items():
                if not _exact(_field(read, name), value):
                    fail(
                        f"{path} returns {kind}.eventData.{name} {value!r}",
                        f"returned {_field(read, name)!r}",
                        ("read", read),
                    )
