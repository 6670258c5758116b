"""Caller isolation (kit addition): what a caller sent or received is its own.

A runtime keeps using the objects it passes to a World and the ones it gets back (it appends to
a context, fills in a result). A World that keeps those objects, or hands out its own, lets the
caller rewrite its storage without an event: the entity stops matching its log (RUN-005), and
two readers of one storage disagree.
"""

from __future__ import annotations

from typing import Any

from conformance.catalogue.marker import invariant
from conformance.checks import make
from conformance.checks.expect import fail, returns
from conformance.checks.reads import all_events, run_of
from conformance.checks.scenarios import create, event_in, run_in
from worldspec.protocol import World


def _context() -> dict[str, Any]:
    return {"tags": ["x"], "nested": {"list": [1, {"deep": "value"}]}, "raw": b"\x00\xff"}


def _legacy_input() -> dict[str, Any]:
    return {"order": [1, "two", None], "nested": {"flag": True, "list": [3]}}


def _error() -> dict[str, Any]:
    return {"message": "it broke", "stack": "Error: it broke", "cause": ["a", {"b": [1]}]}


def _data(event: Any, field: str) -> Any:
    """The payload object ``field`` of an event's eventData, itself (not a copy)."""
    return getattr(getattr(event, "event_data", None), field, None)


def _scribble(value: Any) -> None:
    """Change every list and dict inside ``value`` in place, as a careless caller would."""
    if isinstance(value, dict):
        for item in list(value.values()):
            _scribble(item)
        value["scribbled"] = True
    elif isinstance(value, list):
        for item in list(value):
            _scribble(item)
        value.append("scribbled")


async def _read_back(world: World, current: str, legacy: str, failed: str) -> dict[str, tuple[Any, Any]]:
    """``path → (what the World returned there, what was sent)`` for every read path of the
    mutable payloads. The objects returned are the World's answers themselves, so the caller
    can change them afterwards."""
    found: dict[str, tuple[Any, Any]] = {}
    for label, run_id, field, sent in (
        ("executionContext", current, "execution_context", _context()),
        ("legacy input", legacy, "input", _legacy_input()),
    ):
        run = await run_of(world, run_id)
        found[f"runs.get {label}"] = (getattr(run, field), sent)
        listed = await returns(world.runs.list(workflow_name=run.workflow_name), "runs.list(workflowName)")
        for item in listed.data:
            found[f"runs.list {label}"] = (getattr(item, field), sent)
        first = (await all_events(world, run_id))[0]
        found[f"events.list run_created {label}"] = (_data(first, field), sent)
        single = await returns(world.events.get(run_id, first.event_id), "events.get")
        found[f"events.get run_created {label}"] = (_data(single, field), sent)
    last = (await all_events(world, failed))[-1]
    found["events.list run_failed error"] = (_data(last, "error"), _error())
    single = await returns(world.events.get(failed, last.event_id), "events.get")
    found["events.get run_failed error"] = (_data(single, "error"), _error())
    return found


def _judge(found: dict[str, tuple[Any, Any]], after: str) -> None:
    changed = {path: got for path, (got, sent) in found.items() if got != sent}
    if changed:
        fail(
            "what the caller sent stays stored as sent, whatever the caller later does with its objects",
            f"returned changed payloads after the caller {after}",
            ("sent", {path: sent for path, (_, sent) in found.items() if path in changed}),
            ("returned", changed),
        )


@invariant("COPY-001")
async def test_changing_what_was_sent_or_received_changes_nothing_stored(world: World) -> None:
    """A run with an executionContext of nested lists and dicts, a legacy (spec 1) run with a
    JSON input, and a run failed with an error object: right after each call the caller changes
    in place every list and dict it sent and every one the result returned; every read path
    still returns exactly what was sent. Then the caller changes everything those reads
    returned; the next reads still return exactly what was sent."""
    runs: list[str] = []
    for request, judge in (
        (make.run_created(execution_context=_context()), "RUN-005"),
        (make.run_created(input=_legacy_input(), spec_version=1), "LEG-004"),
    ):
        result = await create(world, None, request)
        run = run_in(result, "run_created", judge)
        event = event_in(result, "run_created", judge)
        runs.append(run.run_id)
        for changed in (request.event_data.execution_context, request.event_data.input, run.input):
            _scribble(changed)
        for changed in (run.execution_context, _data(event, "input"), _data(event, "execution_context")):
            _scribble(changed)
    failed_run = run_in(await create(world, None, make.run_created()), "run_created", "RUN-001").run_id
    await create(world, failed_run, make.run_started())
    failure = make.run_failed(error=_error())
    failed = await create(world, failed_run, failure)
    _scribble(failure.event_data.error)
    _scribble(_data(event_in(failed, "run_failed", "RUN-009"), "error"))
    first = await _read_back(world, runs[0], runs[1], failed_run)
    _judge(first, "changed the objects it had sent and the create results")
    for got, _ in first.values():
        _scribble(got)
    second = await _read_back(world, runs[0], runs[1], failed_run)
    _judge(second, "changed the objects earlier reads returned")
