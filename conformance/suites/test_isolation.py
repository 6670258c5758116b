"""Caller isolation (kit addition): what a caller sent or received is its own.

A runtime keeps using the objects it passes to a World and the ones it gets back (it appends to
a context, fills in a result). A World that keeps those objects, or hands out its own, lets the
caller rewrite its storage without an event: the entity stops matching its log (RUN-005), and
two readers of one storage disagree.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from conformance.catalogue.marker import invariant
from conformance.checks import expect, make
from conformance.checks.expect import fail
from conformance.checks.reads import WHOLE_PAGE
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


@dataclass(frozen=True)
class _Children:
    """A running run with a step whose input and a hook whose metadata are JSON objects."""

    run_id: str
    step_id: str
    hook_id: str
    token: str


async def _read_back(
    world: World, current: str, legacy: str, failed: str, children: _Children
) -> dict[str, Any]:
    """``path → what the World returned there`` for every read path of the mutable payloads. The
    values are the World's answers themselves, so the caller can change them afterwards. Each
    read is a setup step: a World that cannot answer it is judged by that read's own rule."""
    found: dict[str, Any] = {}
    step = await expect.setup(world.steps.get(children.run_id, children.step_id), "steps.get", "STEP-001")
    found["steps.get input"] = step.input
    steps = await expect.setup(
        world.steps.list(children.run_id, pagination=WHOLE_PAGE), "steps.list", "LIST-005"
    )
    for listed_step in steps.data:
        found["steps.list input"] = listed_step.input
    hook = await expect.setup(world.hooks.get(children.hook_id), "hooks.get", "HOOK-001")
    found["hooks.get metadata"] = hook.metadata
    by_token = await expect.setup(world.hooks.get_by_token(children.token), "hooks.get_by_token", "HOOK-001")
    found["hooks.get_by_token metadata"] = by_token.metadata
    hooks = await expect.setup(
        world.hooks.list(run_id=children.run_id, pagination=WHOLE_PAGE), "hooks.list", "LIST-005"
    )
    for listed_hook in hooks.data:
        found["hooks.list metadata"] = listed_hook.metadata
    for label, run_id, field in (
        ("executionContext", current, "execution_context"),
        ("legacy input", legacy, "input"),
    ):
        run = await expect.setup(world.runs.get(run_id), "runs.get", "RUN-002")
        found[f"runs.get {label}"] = getattr(run, field)
        listed = await expect.setup(
            world.runs.list(workflow_name=run.workflow_name, pagination=WHOLE_PAGE),
            "runs.list(workflowName)",
            "LIST-005",
        )
        for item in listed.data:
            found[f"runs.list {label}"] = getattr(item, field)
        log = await expect.setup(world.events.list(run_id, pagination=WHOLE_PAGE), "events.list", "EVT-002")
        first = log.data[0]
        found[f"events.list run_created {label}"] = _data(first, field)
        single = await expect.setup(world.events.get(run_id, first.event_id), "events.get", "EVT-003")
        found[f"events.get run_created {label}"] = _data(single, field)
    log = await expect.setup(world.events.list(failed, pagination=WHOLE_PAGE), "events.list", "EVT-002")
    last = log.data[-1]
    found["events.list run_failed error"] = _data(last, "error")
    single = await expect.setup(world.events.get(failed, last.event_id), "events.get", "EVT-003")
    found["events.get run_failed error"] = _data(single, "error")
    return found


def _judge(before: dict[str, Any], after: dict[str, Any], changed: str) -> None:
    moved = {path: value for path, value in after.items() if before.get(path) != value}
    if moved:
        fail(
            "what a World stores does not change when a caller changes objects it sent or received",
            f"returned other payloads after the caller {changed}",
            ("returned before", {path: before.get(path) for path in moved}),
            ("returned after", moved),
        )


@invariant("COPY-001")
async def test_changing_what_was_sent_or_received_changes_nothing_stored(world: World) -> None:
    """A run with an executionContext of nested lists and dicts, a legacy (spec 1) run with a JSON
    input, a run failed with an error object, and a step and a hook whose input and metadata
    are JSON objects (steps.get and list, hooks.get, list and get_by_token read them). The
    kit reads every payload back on every read path; then the caller changes in place every
    list and dict it sent and every one the create results returned, and the reads must
    return what they returned before; then it changes everything those reads returned, and
    again the reads must not move. (Whether the payloads equal what was sent is judged by
    RUN-005, LEG-004 and the BIN rules.) Last, the run whose create result was changed is
    started: the run that ``run_started`` returns must carry the executionContext its
    ``run_created`` returned, not the caller's edits (a World whose creates hand out the
    objects of a run cache it keeps beside its storage)."""
    touched: list[Any] = []
    runs: list[str] = []
    returned_contexts: list[Any] = []
    for request, judge in (
        (make.run_created(execution_context=_context()), "RUN-005"),
        (make.run_created(input=_legacy_input(), spec_version=1), "LEG-004"),
    ):
        result = await create(world, None, request)
        run = run_in(result, "run_created", judge)
        event = event_in(result, "run_created", judge)
        runs.append(run.run_id)
        returned_contexts.append(copy.deepcopy(run.execution_context))
        touched += [request.event_data.execution_context, request.event_data.input, run.input]
        touched += [run.execution_context, _data(event, "input"), _data(event, "execution_context")]
    holder = run_in(await create(world, None, make.run_created()), "run_created", "RUN-001").run_id
    await create(world, holder, make.run_started())
    children = _Children(holder, make.new_id("step"), make.new_id("hook"), make.token())
    step_request = make.step_created(children.step_id, input=_context())
    hook_request = make.hook_created(children.hook_id, children.token, metadata=_context())
    step_result = await create(world, holder, step_request)
    hook_result = await create(world, holder, hook_request)
    touched += [step_request.event_data.input, hook_request.event_data.metadata]
    touched += [getattr(step_result.step, "input", None), getattr(hook_result.hook, "metadata", None)]
    failed_run = run_in(await create(world, None, make.run_created()), "run_created", "RUN-001").run_id
    await create(world, failed_run, make.run_started())
    failure = make.run_failed(error=_error())
    failed = await create(world, failed_run, failure)
    touched += [failure.event_data.error, _data(event_in(failed, "run_failed", "RUN-009"), "error")]
    baseline = copy.deepcopy(await _read_back(world, runs[0], runs[1], failed_run, children))
    for value in touched:
        _scribble(value)
    first = await _read_back(world, runs[0], runs[1], failed_run, children)
    _judge(baseline, first, "changed the objects it had sent and the create results")
    for value in first.values():
        _scribble(value)
    second = await _read_back(world, runs[0], runs[1], failed_run, children)
    _judge(baseline, second, "changed the objects earlier reads returned")
    later = run_in(await create(world, runs[0], make.run_started()), "run_started", "RUN-003")
    _judge(
        {"run_created result executionContext": returned_contexts[0]},
        {"run_created result executionContext": later.execution_context},
        "changed the run a create returned, and a later create (run_started) returned the run again",
    )
