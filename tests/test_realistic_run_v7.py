"""The realistic 5.x run built from worldspec.line5's models is what upstream accepts, and loads
back unchanged (the 5.x twin of tests/test_realistic_run.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.realistic_run_v7 import realistic_entities, realistic_events, realistic_queue_messages
from tests.zod_parity import (
    CORPUS_LINE_5_PATH,
    PIN_LINE_5,
    VERDICTS_LINE_5_PATH,
    needs_node,
    upstream_verdicts,
)
from worldspec.base import WireModel
from worldspec.line5.queue import parse_queue_payload
from worldspec.line5.slots import event_id_to_slot
from worldspec.line5.validation import (
    parse_event,
    parse_event_request,
    parse_hook,
    parse_run,
    parse_step,
    parse_wait,
)
from worldspec.wire import from_json, to_json, to_tagged

EVENTS = realistic_events()
ENTITY_SCHEMAS = {"run": "WorkflowRunSchema", "hook": "HookSchema", "wait": "WaitSchema"}


def built_cases() -> dict[str, tuple[str, WireModel]]:
    """Every model of the run by its corpus case id, with the upstream schema that judges it."""
    cases: dict[str, tuple[str, WireModel]] = {}
    for event in EVENTS:
        if event.request is not None:
            cases[f"run.request.{event.name}"] = ("CreateEventSchema", event.request)
        cases[f"run.stored.{event.name}"] = ("EventSchema", event.stored)
    for name, entity in realistic_entities().items():
        cases[f"run.entity.{name}"] = (ENTITY_SCHEMAS.get(name, "StepSchema"), entity)
    for name, message in realistic_queue_messages().items():
        schema = "HealthCheckPayloadSchema" if name == "health-check" else "WorkflowInvokePayloadSchema"
        cases[f"run.queue.{name}"] = (schema, message)
        cases[f"run.queue-union.{name}"] = ("QueuePayloadSchema", message)
    return cases


def test_the_run_is_dense_and_covers_the_new_events() -> None:
    slots = [event_id_to_slot(event.stored.to_wire()["eventId"]) for event in EVENTS]
    assert slots == list(range(1, len(EVENTS) + 1))
    types = [event.name.split("-", 1)[1] for event in EVENTS]
    assert types[:3] == ["run_created", "run_started", "attr_set"]
    assert types[-1] == "run_completed"
    assert types.count("attr_set") == 2
    synthesized = [event.name for event in EVENTS if event.request is None]
    assert synthesized == ["04-step_created"], "the lazy start's step_created is the World's own"


def test_the_committed_verdicts_cover_exactly_these_models() -> None:
    corpus = {
        case["id"]: case for case in json.loads(CORPUS_LINE_5_PATH.read_text(encoding="utf-8"))["cases"]
    }
    for case_id, (schema, model) in built_cases().items():
        assert case_id in corpus, f"{case_id} is not in the corpus: run python tools/make_parity_corpus_v7.py"
        assert corpus[case_id]["schema"] == schema
        assert corpus[case_id]["data"] == to_tagged(model), f"{case_id} changed: regenerate the corpus"


def test_upstream_accepted_every_model_of_the_run() -> None:
    verdicts = json.loads(VERDICTS_LINE_5_PATH.read_text(encoding="utf-8"))["verdicts"]
    refused = {case_id: verdicts[case_id] for case_id in built_cases() if not verdicts[case_id]["accepted"]}
    assert not refused, f"upstream's zod refused: {refused}"


@needs_node
def test_upstream_accepts_every_model_of_the_run_now() -> None:
    cases = [
        {"id": case_id, "schema": schema, "data": to_tagged(model)}
        for case_id, (schema, model) in built_cases().items()
    ]
    verdicts = upstream_verdicts(json.dumps({"cases": cases}), pin=PIN_LINE_5)["verdicts"]
    refused = {case_id: verdict for case_id, verdict in verdicts.items() if not verdict["accepted"]}
    assert not refused, f"upstream's zod refused: {refused}"


@pytest.mark.parametrize("event", EVENTS, ids=[event.name for event in EVENTS])
def test_each_event_loads_back_unchanged(event: Any) -> None:
    pairs = [(event.stored, parse_event)]
    if event.request is not None:
        pairs.append((event.request, parse_event_request))
    for model, parse in pairs:
        wire = model.to_wire()
        assert parse(wire, strict=True).to_wire() == wire
        assert parse(from_json(to_json(model))) == model


def test_entities_and_messages_load_back_unchanged() -> None:
    parsers = {"run": parse_run, "hook": parse_hook, "wait": parse_wait}
    for name, entity in realistic_entities().items():
        parse = parsers.get(name, parse_step)
        wire = entity.to_wire()
        assert parse(wire).to_wire() == wire, name
        assert parse(from_json(to_json(entity))) == entity, name
    for name, message in realistic_queue_messages().items():
        assert parse_queue_payload(from_json(to_json(message))) == message, name
