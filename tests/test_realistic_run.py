"""A realistic run built from worldspec's models is what upstream accepts, and loads back unchanged.

The run (tests/realistic_run.py): run_created, run_started, three steps (one retried), a hook
that receives a payload, a wait, run_completed; its entities; its queue messages. Upstream's
zod schemas judge the tagged JSON of each model: now, when node is present, and always
through the committed verdicts, which cover these exact models (they are corpus cases).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.realistic_run import realistic_entities, realistic_events, realistic_queue_messages
from tests.zod_parity import CORPUS_PATH, VERDICTS_PATH, needs_node, upstream_verdicts
from worldspec import parse_event, parse_event_request, parse_hook, parse_run, parse_step, parse_wait
from worldspec.base import WireModel
from worldspec.wire import from_json, to_json, to_tagged

EVENTS = realistic_events()
ENTITY_SCHEMAS = {"run": "WorkflowRunSchema", "hook": "HookSchema", "wait": "WaitSchema"}
QUEUE_SCHEMAS = {
    "workflow": "WorkflowInvokePayloadSchema",
    "step": "StepInvokePayloadSchema",
    "health-check": "HealthCheckPayloadSchema",
}


def built_cases() -> dict[str, tuple[str, WireModel]]:
    """Every model of the run by its corpus case id, with the upstream schema that judges it."""
    cases: dict[str, tuple[str, WireModel]] = {}
    for event in EVENTS:
        cases[f"run.request.{event.name}"] = ("CreateEventSchema", event.request)
        cases[f"run.stored.{event.name}"] = ("EventSchema", event.stored)
    for name, entity in realistic_entities().items():
        cases[f"run.entity.{name}"] = (ENTITY_SCHEMAS.get(name, "StepSchema"), entity)
    for name, message in realistic_queue_messages().items():
        cases[f"run.queue.{name}"] = (QUEUE_SCHEMAS[name], message)
        cases[f"run.queue-union.{name}"] = ("QueuePayloadSchema", message)
    return cases


def test_the_run_is_complete() -> None:
    types = [event.name.split("-", 1)[1] for event in EVENTS]
    assert types[:2] == ["run_created", "run_started"]
    assert types[-1] == "run_completed"
    assert types.count("step_created") == 3
    assert types.count("step_completed") == 3
    assert types.count("step_retrying") == 1
    assert types.count("step_started") == 4
    assert {"hook_created", "hook_received", "hook_disposed", "wait_created", "wait_completed"} <= set(types)


def test_the_committed_verdicts_cover_exactly_these_models() -> None:
    corpus = {case["id"]: case for case in json.loads(CORPUS_PATH.read_text(encoding="utf-8"))["cases"]}
    for case_id, (schema, model) in built_cases().items():
        assert case_id in corpus, f"{case_id} is not in the corpus: run python tools/make_parity_corpus.py"
        assert corpus[case_id]["schema"] == schema
        assert corpus[case_id]["data"] == to_tagged(model), f"{case_id} changed: regenerate the corpus"


def test_upstream_accepted_every_model_of_the_run() -> None:
    verdicts = json.loads(VERDICTS_PATH.read_text(encoding="utf-8"))["verdicts"]
    refused = {case_id: verdicts[case_id] for case_id in built_cases() if not verdicts[case_id]["accepted"]}
    assert not refused, f"upstream's zod refused: {refused}"


@needs_node
def test_upstream_accepts_every_model_of_the_run_now() -> None:
    cases = [
        {"id": case_id, "schema": schema, "data": to_tagged(model)}
        for case_id, (schema, model) in built_cases().items()
    ]
    verdicts = upstream_verdicts(json.dumps({"cases": cases}))["verdicts"]
    refused = {case_id: verdict for case_id, verdict in verdicts.items() if not verdict["accepted"]}
    assert not refused, f"upstream's zod refused: {refused}"


@pytest.mark.parametrize("event", EVENTS, ids=[event.name for event in EVENTS])
def test_each_event_loads_back_unchanged(event: Any) -> None:
    for model, parse in ((event.request, parse_event_request), (event.stored, parse_event)):
        wire = model.to_wire()
        assert parse(wire, strict=True).to_wire() == wire
        assert parse(from_json(to_json(model))) == model
        assert from_json(to_json(model)) == wire


def test_entities_load_back_unchanged() -> None:
    parsers = {"run": parse_run, "hook": parse_hook, "wait": parse_wait}
    for name, entity in realistic_entities().items():
        parse = parsers.get(name, parse_step)
        wire = entity.to_wire()
        assert parse(wire).to_wire() == wire, name
        assert parse(from_json(to_json(entity))) == entity, name


AT = datetime(2024, 1, 2, 3, 4, 5, 123000, tzinfo=UTC)
UPSTREAM_SHAPED: list[tuple[str, Any, dict[str, Any]]] = [
    (
        "spec 3 step_completed, bytes",
        parse_event,
        {
            "eventType": "step_completed",
            "correlationId": "step_01",
            "specVersion": 3,
            "eventData": {"stepName": "step//./src/w//work", "result": bytes(range(256))},
            "runId": "wrun_01",
            "eventId": "evnt_01",
            "createdAt": AT,
        },
    ),
    (
        "legacy run_created, a str that is valid base64",
        parse_event,
        {
            "eventType": "run_created",
            "eventData": {"deploymentId": "dpl_1", "workflowName": "w", "input": "aGVsbG8gd29ybGQ="},
            "runId": "wrun_01",
            "eventId": "evnt_01",
            "createdAt": AT,
        },
    ),
    (
        "legacy hook_received, a list of ints and an empty object",
        parse_event_request,
        {
            "eventType": "hook_received",
            "correlationId": "hook_01",
            "eventData": {"payload": [[104, 105], {}]},
        },
    ),
    (
        "run with bytes inside executionContext and empty bytes as input",
        parse_run,
        {
            "runId": "wrun_01",
            "status": "pending",
            "deploymentId": "dpl_1",
            "workflowName": "w",
            "specVersion": 3,
            "executionContext": {"blob": b"\x00\xff", "nested": {"list": [b"", "x"]}},
            "input": b"",
            "createdAt": AT,
            "updatedAt": AT,
        },
    ),
    (
        "hook with NUL bytes as metadata",
        parse_hook,
        {
            "runId": "wrun_01",
            "hookId": "hook_01",
            "token": "tok",
            "ownerId": "",
            "projectId": "",
            "environment": "",
            "metadata": b"\x00\x00",
            "createdAt": AT,
            "isWebhook": True,
        },
    ),
]


@pytest.mark.parametrize(
    ("parse", "data"), [(p, d) for _, p, d in UPSTREAM_SHAPED], ids=[i for i, _, _ in UPSTREAM_SHAPED]
)
def test_upstream_shaped_data_loads_back_unchanged(parse: Any, data: dict[str, Any]) -> None:
    assert parse(data).to_wire() == data
    tagged = to_tagged(data)
    assert to_tagged(parse(tagged)) == tagged
    assert to_tagged(parse(json.loads(json.dumps(tagged)))) == tagged


def test_payloads_keep_their_python_type() -> None:
    legacy = parse_event(UPSTREAM_SHAPED[1][2]).to_wire()["eventData"]["input"]
    assert isinstance(legacy, str)
    assert legacy == "aGVsbG8gd29ybGQ="
    binary = parse_event(to_tagged(UPSTREAM_SHAPED[0][2])).to_wire()["eventData"]["result"]
    assert isinstance(binary, bytes)
    assert binary == bytes(range(256))
    listed = parse_event_request(UPSTREAM_SHAPED[2][2]).to_wire()["eventData"]["payload"]
    assert listed == [[104, 105], {}]
