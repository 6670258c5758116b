"""Write tests/fixtures/parity-v7/corpus.json: 5.x-line wire data for upstream's zod schemas.

    python tools/make_parity_corpus_v7.py          # rewrite the corpus
    python tools/make_parity_corpus_v7.py --check  # exit 1 if the committed corpus is stale

The 5.x twin of tools/make_parity_corpus.py: the same case format, judged by
``@workflow/world`` 5.0.0-beta.37 (tools/zod-parity/world-5) and by ``worldspec.line5``'s parsers
(tests/test_upstream_parity_v7.py). After changing the corpus, regenerate the verdicts:

    node tools/zod-parity/validate.mjs --pin tools/zod-parity/world-5 \\
        tests/fixtures/parity-v7/corpus.json > tests/fixtures/parity-v7/verdicts.json
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from parity_corpus import ACCEPT, AT, DATES, LATER, REJECT, REPO, Corpus, run_generator, without

from tests.realistic_run_v7 import RUN_ID, realistic_entities, realistic_events, realistic_queue_messages
from worldspec.line5.slots import slot_to_event_id
from worldspec.wire_types import MISSING

CORPUS_PATH = REPO / "tests" / "fixtures" / "parity-v7" / "corpus.json"
RUN_LEVEL = ("run_", "attr_set", "noop")


def request(event_type: str, event_data: Any = MISSING, **fields: Any) -> dict[str, Any]:
    """A creatable event in wire form (specVersion 7; a correlationId unless run-level)."""
    data: dict[str, Any] = {"eventType": event_type, "specVersion": 7}
    if not event_type.startswith(RUN_LEVEL):
        data["correlationId"] = "corr_01"
    if event_data is not MISSING:
        data["eventData"] = event_data
    return {**data, **fields}


def stored(event_type: str, event_data: Any = MISSING, **fields: Any) -> dict[str, Any]:
    """A stored event in wire form, at slot 1."""
    ids = {"runId": RUN_ID, "eventId": slot_to_event_id(1), "createdAt": AT}
    return {**request(event_type, event_data), **ids, **fields}


# fmt: off
# Shapes and tables read best one item per line, so the formatter leaves them alone.
WORKFLOW = "workflow//./src/w//main"
BYTES = b"devl[1]"
RUN = {
    "runId": RUN_ID, "status": "running", "deploymentId": "dpl_1", "workflowName": WORKFLOW,
    "specVersion": 7, "input": BYTES, "startedAt": AT, "createdAt": AT, "updatedAt": AT,
}
DONE = {"completedAt": LATER, "updatedAt": LATER}
STEP = {
    "runId": RUN_ID, "stepId": "step_01", "stepName": "step//./src/w//work", "status": "running",
    "input": BYTES, "attempt": 1, "startedAt": AT, "createdAt": AT, "updatedAt": AT, "specVersion": 7,
}
HOOK = {
    "runId": RUN_ID, "hookId": "hook_01", "token": "tok_1", "ownerId": "team_1", "projectId": "prj_1",
    "environment": "production", "createdAt": AT, "specVersion": 7,
}
WAIT = {
    "waitId": f"{RUN_ID}-wait_01", "runId": RUN_ID, "status": "waiting", "resumeAt": LATER,
    "createdAt": AT, "updatedAt": AT, "specVersion": 7,
}
FLOW_MESSAGE = {"runId": RUN_ID}
RUN_INPUT = {"input": BYTES, "deploymentId": "dpl_1", "workflowName": WORKFLOW, "specVersion": 7}
ERROR_BYTES = b"devl[{\"message\":1},\"boom\"]"
STRUCTURED_ERROR = {"message": "boom", "stack": "Error: boom\n    at step"}
CHANGE = {"key": "stage", "value": "done"}
WORKFLOW_WRITER = {"type": "workflow"}
STEP_WRITER = {"type": "step", "stepId": "step_01", "attempt": 1}
EVENT_DATA_REQUIRED: dict[str, dict[str, Any]] = {
    "run_created": {"deploymentId": "dpl_1", "workflowName": WORKFLOW, "input": BYTES},
    "run_completed": {"output": BYTES},
    "run_failed": {"error": ERROR_BYTES},
    "attr_set": {"changes": [CHANGE], "writer": WORKFLOW_WRITER},
    "step_created": {"stepName": "step//./src/w//work", "input": BYTES},
    "step_completed": {"result": BYTES},
    "step_failed": {"error": ERROR_BYTES},
    "step_retrying": {"error": ERROR_BYTES},
    "hook_created": {"token": "tok_1"},
    "hook_received": {"payload": BYTES},
    "wait_created": {"resumeAt": LATER},
}
EVENT_DATA_OPTIONAL = ("run_started", "run_cancelled", "step_started", "hook_disposed", "wait_completed")
BYTE_VALUES: list[tuple[str, bytes]] = [
    ("empty", b""), ("nul", b"\x00\x00\x00"), ("all-256", bytes(range(256))),
]
PREFIXED: list[tuple[str, bytes]] = [
    ("devl", b"devl[1]"), ("encr", b"encr\x9a\x01"), ("encp", b"encp\x02\xff"), ("gzip", b"gzip\x1f\x8b\x08"),
    ("zstd", b"zstd\x28\xb5\x2f\xfd"),
]
LEGACY_PAYLOADS: list[tuple[str, Any]] = [
    ("zero", 0), ("false", False), ("empty-string", ""), ("null", None), ("empty-array", []),
    ("empty-object", {}), ("string", "hello"), ("int-array", [1, 2, 3]),
    ("structured-error", STRUCTURED_ERROR),
]
# fmt: on


def add_realistic_run(corpus: Corpus) -> None:
    """The run of tests/realistic_run_v7.py: every event as sent and as stored, the entities and
    the queue messages."""
    for event in realistic_events():
        about = f"event {event.name} of the realistic 5.x run"
        if event.request is not None:
            corpus.add(
                f"run.request.{event.name}", "CreateEventSchema", event.request, accept=True, about=about
            )
        corpus.add(f"run.stored.{event.name}", "EventSchema", event.stored, accept=True, about=about)
    entity_schemas = {"run": "WorkflowRunSchema", "hook": "HookSchema", "wait": "WaitSchema"}
    for name, entity in realistic_entities().items():
        about = f"the {name} after the realistic 5.x run"
        corpus.add(
            f"run.entity.{name}", entity_schemas.get(name, "StepSchema"), entity, accept=True, about=about
        )
    queue_schemas = {"health-check": "HealthCheckPayloadSchema"}
    for name, message in realistic_queue_messages().items():
        about = f"the realistic 5.x run's {name} message"
        schema = queue_schemas.get(name, "WorkflowInvokePayloadSchema")
        corpus.add(f"run.queue.{name}", schema, message, accept=True, about=about)
        corpus.add(f"run.queue-union.{name}", "QueuePayloadSchema", message, accept=True, about=about)


def add_endings(corpus: Corpus) -> None:
    """The other ways a run ends, and the World-only events."""
    corpus.table("ending", None, [
        ("request.run_failed", request("run_failed", {"error": ERROR_BYTES, "errorCode": "USER_ERROR"}),
         ACCEPT,
         "run_failed carries the error payload and its category"),
        ("stored.run_failed", stored("run_failed", {"error": ERROR_BYTES, "errorCode": "USER_ERROR"}), ACCEPT,
         "as stored"),
        ("request.run_failed.error-string", request("run_failed", {"error": "boom"}), ACCEPT,
         "a legacy run's error may be any JSON value"),
        ("request.run_failed.errorCode-number", request("run_failed", {"error": ERROR_BYTES, "errorCode": 1}),
         REJECT, "errorCode is a string"),
        ("request.run_cancelled.reason", request("run_cancelled", {"cancelReason": "user asked"}), ACCEPT,
         "a cancellation reason"),
        ("stored.run_cancelled.reason", stored("run_cancelled", {"cancelReason": "user asked"}),
         ACCEPT, "stored"),
        ("request.run_cancelled.empty", request("run_cancelled", {}), ACCEPT, "eventData without a reason"),
        ("request.run_cancelled.unknown-key", request("run_cancelled", {"reason": "user"}), ACCEPT,
         "unknown keys are dropped"),
        ("request.step_failed", request("step_failed", {"error": ERROR_BYTES, "stepName": "s"}), ACCEPT,
         "step_failed carries the error payload"),
        ("request.step_failed.stack", request("step_failed", {"error": ERROR_BYTES, "stack": "s"}), ACCEPT,
         "stack is gone from the schema; a sent one is dropped"),
        ("request.step_retrying.no-error", request("step_retrying", {"retryAfter": LATER}), REJECT,
         "error must be present: with zod 4.5 a z.any() key is required"),
        ("request.run_failed.error-null", request("run_failed", {"error": None}), ACCEPT, "null is a value"),
        ("stored.step_completed.stripped", stored("step_completed", {"stepName": "s"}), REJECT,
         "resolveData 'none' stripped result (upstream re-adds the key as undefined before parsing)"),
        ("stored.run_created.stripped", stored("run_created", {"deploymentId": "d", "workflowName": "w"}),
         REJECT, "resolveData 'none' stripped input"),
        ("stored.hook_received.stripped", stored("hook_received", {"token": "t"}), REJECT,
         "resolveData 'none' stripped payload"),
        ("stored.hook_conflict", stored("hook_conflict", {"token": "tok_1", "conflictingRunId": RUN_ID}),
         ACCEPT, "a World writes hook_conflict"),
        ("request.hook_conflict", request("hook_conflict", {"token": "tok_1", "conflictingRunId": RUN_ID}),
         REJECT, "hook_conflict is World-only"),
        ("stored.noop", stored("noop"), ACCEPT, "a sealed-log filler without eventData"),
        ("stored.noop.sealed", stored("noop", {"sealed": True}), ACCEPT, "a filler marked sealed"),
        ("stored.noop.extra-keys", stored("noop", {"sealed": True, "sealedBy": "seq_1", "n": 3}), ACCEPT,
         "noop eventData keeps other keys (passthrough)"),
        ("stored.noop.correlation", stored("noop", correlationId="x"), ACCEPT,
         "the schema allows a correlationId (the contract forbids it: SLOT-012)"),
        ("stored.noop.sealed-string", stored("noop", {"sealed": "yes"}), REJECT, "sealed is a boolean"),
        ("stored.noop.array", stored("noop", [1]), REJECT, "eventData is an object"),
        ("request.noop", request("noop"), REJECT, "noop is World-only: a client never sends it"),
        ("stored.hook_received.resumeId", stored("hook_received", {"payload": BYTES}, resumeId="rsm_1"),
         ACCEPT, "a deduplicated resume keeps its resumeId"),
        ("stored.resumeId-number", stored("hook_received", {"payload": BYTES}, resumeId=7), REJECT,
         "resumeId is a string"),
        ("stored.run_started.resumeId", stored("run_started", resumeId="rsm_1"), ACCEPT,
         "EventSchema allows resumeId on any type"),
        ("stored.slot-id", stored("run_started", eventId=slot_to_event_id(2**53 - 1)), ACCEPT,
         "the largest slot"),
        ("stored.ulid-id", stored("run_started", eventId="evnt_01HK421P83Q3JP5NMP6CPW6YQA"), ACCEPT,
         "a ULID id (a run a 4.x World stored)"),
        ("stored.occurredAt", stored("run_started", occurredAt=AT), ACCEPT, "occurredAt"),
    ])  # fmt: skip


def add_attributes(corpus: Corpus) -> None:
    """``attr_set`` and run creation attributes: what the schema itself refuses."""

    def attr(changes: Any, writer: Any = WORKFLOW_WRITER, **data: Any) -> dict[str, Any]:
        return request("attr_set", {"changes": changes, "writer": writer, **data})

    many = [{"key": f"k{index}", "value": "v"} for index in range(64)]
    corpus.table("attr_set", None, [
        ("workflow-writer", attr([CHANGE], correlationId="attr_01"), ACCEPT, "a workflow body's change"),
        ("step-writer", attr([CHANGE], STEP_WRITER), ACCEPT, "a step body's change, no correlationId"),
        ("remove", attr([{"key": "stage", "value": None}]), ACCEPT, "null removes a key"),
        ("empty-changes", attr([]), ACCEPT, "no changes"),
        ("reserved-key", attr([{"key": "$retention", "value": "0"}]), ACCEPT,
         "the schema allows $ keys; V refuses them without allowReservedAttributes"),
        ("allow-reserved", attr([{"key": "$retention", "value": "0"}], allowReservedAttributes=True), ACCEPT,
         "allowReservedAttributes: true"),
        ("allow-reserved-false", attr([CHANGE], allowReservedAttributes=False), REJECT, "the literal true"),
        ("allow-reserved-one", attr([CHANGE], allowReservedAttributes=1), REJECT, "1 is not true"),
        ("key-empty", attr([{"key": "", "value": "v"}]), REJECT, "a key has at least 1 character"),
        ("key-256", attr([{"key": "k" * 256, "value": "v"}]), ACCEPT, "a key of 256 characters"),
        ("key-257", attr([{"key": "k" * 257, "value": "v"}]), REJECT, "a key of 257 characters"),
        ("key-128-astral", attr([{"key": "\U0001f600" * 128, "value": "v"}]), ACCEPT,
         "128 emoji are 256 UTF-16 units"),
        ("key-129-astral", attr([{"key": "\U0001f600" * 129, "value": "v"}]), ACCEPT,
         "zod 4.5 counts code points: 129 emoji pass the schema (V, counting UTF-16 units, refuses them)"),
        ("key-257-astral", attr([{"key": "\U0001f600" * 257, "value": "v"}]), REJECT, "257 code points"),
        ("value-256-bytes", attr([{"key": "k", "value": "v" * 256}]), ACCEPT, "256 UTF-8 bytes"),
        ("value-257-bytes", attr([{"key": "k", "value": "v" * 257}]), REJECT, "257 UTF-8 bytes"),
        ("value-64-astral", attr([{"key": "k", "value": "\U0001f600" * 64}]), ACCEPT, "64 emoji: 256 bytes"),
        ("value-65-astral", attr([{"key": "k", "value": "\U0001f600" * 65}]), REJECT, "65 emoji: 260 bytes"),
        ("value-128-two-byte", attr([{"key": "k", "value": "é" * 128}]), ACCEPT, "128 é: 256 bytes"),
        ("value-number", attr([{"key": "k", "value": 1}]), REJECT, "a value is a string or null"),
        ("value-absent", attr([{"key": "k"}]), REJECT, "value is required (null to remove)"),
        ("duplicate-key", attr([CHANGE, {"key": "stage", "value": "x"}]), REJECT, "a key appears once"),
        ("64-keys", attr(many), ACCEPT, "64 additions"),
        ("65-keys", attr([*many, {"key": "k64", "value": "v"}]), REJECT, "65 additions"),
        ("65-with-a-removal", attr([*many, {"key": "gone", "value": None}]), ACCEPT,
         "a removal does not count as an addition"),
        ("changes-object", attr(CHANGE), REJECT, "changes is an array"),
        ("no-writer", request("attr_set", {"changes": [CHANGE]}), REJECT, "writer is required"),
        ("writer-unknown", attr([CHANGE], {"type": "hook"}), REJECT, "writer is workflow or step"),
        ("writer-step-no-stepId", attr([CHANGE], {"type": "step", "attempt": 1}), REJECT, "stepId required"),
        ("writer-step-attempt-string", attr([CHANGE], {"type": "step", "stepId": "s", "attempt": "1"}),
         REJECT,
         "attempt is a number"),
        ("stored", stored("attr_set", {"changes": [CHANGE], "writer": STEP_WRITER}), ACCEPT, "stored"),
    ])  # fmt: skip
    created = EVENT_DATA_REQUIRED["run_created"]
    corpus.table("run-creation", None, [
        ("attributes", request("run_created", {**created, "attributes": {"a": "b"}}),
         ACCEPT, "seed attributes"),
        ("attributes-number", request("run_created", {**created, "attributes": {"a": 1}}), REJECT,
         "attribute values are strings"),
        ("attributes-null-value", request("run_created", {**created, "attributes": {"a": None}}), REJECT,
         "run_created attributes have no null (removal) values"),
        ("attributes-long-key", request("run_created", {**created, "attributes": {"k" * 300: "v"}}), ACCEPT,
         "run_created's record is not length-checked by the schema (V checks it)"),
        ("public-key", request("run_created", {**created, "encryptionPublicKey": "a2V5"}), ACCEPT, "a key"),
        ("public-key-bytes", request("run_created", {**created, "encryptionPublicKey": b"key"}), REJECT,
         "the key is base64 text"),
        ("resilient", request("run_started", {**created, "attributes": {"a": "b"}, "encryptionPublicKey": "k",
                                              "allowReservedAttributes": True}),
         ACCEPT, "resilient start carries the run's creation data"),
    ])  # fmt: skip


def add_steps_and_hooks(corpus: Corpus) -> None:
    """Lazy step start, latency telemetry and the new hook fields."""
    started = {"stepName": "step//./src/w//work", "input": BYTES}
    corpus.table("step", None, [
        ("lazy-start", request("step_started", started), ACCEPT, "stepName and input: a lazy start"),
        ("lazy-start-owner", request("step_started", {**started, "ownerMessageId": "msg_1", "attempt": 1}),
         ACCEPT, "the owning delivery's message id"),
        ("input-only", request("step_started", {"input": BYTES}),
         ACCEPT, "input without stepName: a bare start"),
        ("owner-number", request("step_started", {"ownerMessageId": 1}), REJECT, "a string"),
        ("latency", request("step_completed", {"result": BYTES, "ttfs": 1.5, "stso": 2, "stepCount": 1,
                                               "eventCount": 4, "rsfs": 0.5, "finalSchedulingReplay": 1,
                                               "optimizations": ["turbo"]}), ACCEPT, "latency telemetry"),
        ("latency-step_failed", request("step_failed", {"error": ERROR_BYTES, "ttfs": 3}), ACCEPT,
         "on step_failed too"),
        ("latency-stepCount-zero", request("step_completed", {"result": BYTES, "stepCount": 0}), REJECT,
         "stepCount is positive"),
        ("latency-eventCount-fraction", request("step_completed", {"result": BYTES, "eventCount": 1.5}),
         REJECT,
         "eventCount is an integer"),
        ("latency-ttfs-string", request("step_completed", {"result": BYTES, "ttfs": "1"}),
         REJECT, "a number"),
        ("latency-optimizations-number", request("step_completed", {"result": BYTES, "optimizations": [1]}),
         REJECT, "optimization names are strings"),
        ("latency-on-step_retrying", request("step_retrying", {"error": ERROR_BYTES, "stepCount": 0}), ACCEPT,
         "step_retrying has no telemetry: the key is dropped unchecked"),
    ])  # fmt: skip
    corpus.table("hook", None, [
        ("system", request("hook_created", {"token": "t", "isSystem": True}), ACCEPT, "a system hook"),
        ("retention", request("hook_created", {"token": "t", "tokenRetentionUntil": LATER}),
         ACCEPT, "retained"),
        ("retention-iso", request("hook_created", {"token": "t", "tokenRetentionUntil": "2024-01-09T00:00Z"}),
         ACCEPT, "an ISO date"),
        ("retention-garbage", request("hook_created", {"token": "t", "tokenRetentionUntil": "later"}), REJECT,
         "a date"),
        ("system-string", request("hook_created", {"token": "t", "isSystem": "yes"}), REJECT, "a boolean"),
    ])  # fmt: skip


def add_payload_edges(corpus: Corpus) -> None:
    """Byte payloads at their edges and with each format prefix, in the new payload fields too,
    and legacy JSON payloads."""
    for name, value in [*BYTE_VALUES, *PREFIXED]:
        about = f"{name} bytes"
        corpus.table(f"bytes.{name}", None, [
            ("run_failed", request("run_failed", {"error": value}), ACCEPT, about),
            ("step_retrying", stored("step_retrying", {"error": value}), ACCEPT, about),
            ("step_started", request("step_started", {"stepName": "s", "input": value}), ACCEPT, about),
            ("run_started", request("run_started", {"input": value}), ACCEPT, about),
        ])  # fmt: skip
        failed = {**RUN, **DONE, "status": "failed", "error": value}
        corpus.add(f"bytes.{name}.run-error", "WorkflowRunSchema", failed, accept=True, about=about)
        corpus.add(
            f"bytes.{name}.step-error", "StepSchema", {**STEP, "error": value}, accept=True, about=about
        )
        message = {**FLOW_MESSAGE, "stepId": "step_01", "stepInput": {"input": value}}
        corpus.add(
            f"bytes.{name}.step-input", "WorkflowInvokePayloadSchema", message, accept=True, about=about
        )
    for name, value in LEGACY_PAYLOADS:
        about = f"a legacy or 4.x-written payload may be any JSON value: {name}"
        failed = {**without(RUN, "specVersion"), **DONE, "status": "failed", "error": value}
        corpus.add(f"legacy.{name}.run-error", "WorkflowRunSchema", failed, accept=True, about=about)
        corpus.add(
            f"legacy.{name}.step-error", "StepSchema", {**STEP, "error": value}, accept=True, about=about
        )
    without_version = {
        "request": ("CreateEventSchema", request("attr_set", EVENT_DATA_REQUIRED["attr_set"])),
        "stored": ("EventSchema", stored("noop")),
        "run": ("WorkflowRunSchema", RUN),
        "hook": ("HookSchema", HOOK),
    }
    for name, (schema, data) in without_version.items():
        corpus.add(f"spec-version.absent.{name}", schema, without(data, "specVersion"), accept=True,
                   about="specVersion is optional")  # fmt: skip


def add_dates(corpus: Corpus) -> None:
    """What a date field accepts; ``z.coerce.date()`` is ``new Date(value)`` on this line too."""
    for name, value, accept, about in DATES:
        corpus.add(f"dates.{name}.createdAt", "EventSchema", stored("run_started", createdAt=value),
                   accept=accept, about=f"createdAt: {about}")  # fmt: skip
    for name, value, accept, about in DATES:
        if name in ("iso-offset", "epoch-ms", "garbage", "null"):
            retained = request("hook_created", {"token": "t", "tokenRetentionUntil": value})
            corpus.add(f"dates.{name}.tokenRetentionUntil", "CreateEventSchema", retained, accept=accept,
                       about=f"hook_created.eventData.tokenRetentionUntil: {about}")  # fmt: skip


def add_event_shapes(corpus: Corpus) -> None:
    """Event types, correlation ids and which eventData must be present."""
    corpus.table("event-type", None, [
        ("unknown.request", request("step_exploded", {}), REJECT, "not an event type"),
        ("unknown.stored", stored("run_paused"), REJECT, "not an event type"),
        ("state-guard-era.stored", stored("attr_deleted"), REJECT, "not an event type"),
    ])  # fmt: skip
    corpus.table("correlation", None, [
        ("missing.step_started", without(request("step_started"), "correlationId"), REJECT,
         "step events need a correlationId"),
        ("missing.hook_received", without(request("hook_received", {"payload": BYTES}), "correlationId"),
         REJECT,
         "hook events need one"),
        ("missing.attr_set", request("attr_set", EVENT_DATA_REQUIRED["attr_set"]), ACCEPT,
         "attr_set's correlationId is optional"),
        ("missing.noop", stored("noop"), ACCEPT, "noop has none"),
    ])  # fmt: skip
    for event_type, event_data in EVENT_DATA_REQUIRED.items():
        corpus.table("event-data", None, [
            (f"complete.{event_type}", request(event_type, event_data), ACCEPT, f"minimal {event_type}"),
            (f"request-absent.{event_type}", request(event_type), REJECT, f"{event_type} requires eventData"),
            (f"stored-absent.{event_type}", stored(event_type), REJECT,
             f"stored {event_type} without eventData (resolveData 'none' may drop an emptied one)"),
        ])  # fmt: skip
    corpus.table("event-data", None, [
        ("stored-absent.hook_conflict", stored("hook_conflict"), REJECT, "without eventData"),
    ])  # fmt: skip
    for event_type in EVENT_DATA_OPTIONAL:
        corpus.table("event-data", None, [
            (f"request-absent.{event_type}", request(event_type), ACCEPT, "eventData is optional"),
            (f"stored-absent.{event_type}", stored(event_type), ACCEPT, "eventData is optional"),
        ])  # fmt: skip


def add_entities(corpus: Corpus) -> None:
    """Runs, steps and hooks of the 5.x line."""
    corpus.table("entity.run", "WorkflowRunSchema", [
        ("attributes", {**RUN, "attributes": {"a": "b"}}, ACCEPT, "attributes"),
        ("attributes-absent", RUN, ACCEPT, "absent attributes read as {}"),
        ("attributes-null", {**RUN, "attributes": None}, REJECT, "null is not absent"),
        ("attributes-number", {**RUN, "attributes": {"a": 1}}, REJECT, "string values"),
        ("public-key", {**RUN, "encryptionPublicKey": "a2V5"}, ACCEPT, "encryptionPublicKey"),
        ("errorCode-on-running", {**RUN, "errorCode": "USER_ERROR"}, ACCEPT, "errorCode on any status"),
        ("failed.error-code", {**RUN, **DONE, "status": "failed", "error": ERROR_BYTES, "errorCode": "USER"},
         ACCEPT, "a failed run with its category"),
        ("failed.no-error", {**RUN, **DONE, "status": "failed"}, ACCEPT, "error is optional (expired data)"),
        ("failed.string-error", {**RUN, **DONE, "status": "failed", "error": "boom"}, ACCEPT, "a payload"),
        ("failed.structured-error", {**RUN, **DONE, "status": "failed", "error": STRUCTURED_ERROR}, ACCEPT,
         "a 4.x StructuredError read back"),
        ("completed.with-error", {**RUN, **DONE, "status": "completed", "error": ERROR_BYTES}, REJECT,
         "only a failed run has an error"),
        ("pending.error", {**RUN, "status": "pending", "error": ERROR_BYTES}, REJECT, "only failed runs"),
        ("expired", {**RUN, **DONE, "status": "completed", "expiredAt": LATER}, ACCEPT, "expired, no output"),
    ])  # fmt: skip
    corpus.table("entity.step", "StepSchema", [
        ("error-bytes", {**STEP, "status": "pending", "error": ERROR_BYTES, "retryAfter": LATER},
         ACCEPT, "retrying"),
        ("error-string", {**STEP, "error": "boom"}, ACCEPT, "any payload"),
        ("no-attempt", without(STEP, "attempt"), REJECT, "attempt required"),
    ])  # fmt: skip
    context = {"deploymentId": "dpl_1", "workflowName": WORKFLOW}
    corpus.table("entity.hook", "HookSchema", [
        ("system-retained", {**HOOK, "isSystem": True, "tokenRetentionUntil": LATER}, ACCEPT, "new fields"),
        ("resume-context", {**HOOK, "resumeContext": {**context, "runSpecVersion": 7,
                                                      "traceCarrier": {"tp": "x"}}},
         ACCEPT, "resume context"),
        ("resume-context-no-deployment", {**HOOK, "resumeContext": {"workflowName": WORKFLOW}}, REJECT,
         "deploymentId required"),
        ("resume-capabilities", {**HOOK, "resumeCapabilities": {"hookResumeDedupVersion": 1}}, ACCEPT,
         "dedup attested"),
        ("resume-capabilities-empty", {**HOOK, "resumeCapabilities": {}}, REJECT, "the version is required"),
        ("retention-garbage", {**HOOK, "tokenRetentionUntil": "soon"}, REJECT, "a date"),
    ])  # fmt: skip
    corpus.table("entity.wait", "WaitSchema", [
        ("completed", {**WAIT, "status": "completed", "completedAt": LATER}, ACCEPT, "unchanged"),
    ])  # fmt: skip


def add_queue(corpus: Corpus) -> None:
    """5.x queue payloads: the new fields, the fields that degrade to absent, the union order."""

    def flow(**fields: Any) -> dict[str, Any]:
        return {**FLOW_MESSAGE, **fields}

    context = {"deploymentId": "dpl_1", "specVersion": 7}
    hook_input = {
        "resumeId": "rsm_1",
        "hookId": "hook_01",
        "token": "t",
        "payload": BYTES,
        "payloadDigest": "d",
    }
    corpus.table("queue.workflow", "WorkflowInvokePayloadSchema", [
        ("minimal", FLOW_MESSAGE, ACCEPT, "only runId"),
        ("invoke", flow(invoke=True, requestId="req_1", input={"a": 1}), ACCEPT, "an invocation"),
        ("invoke-false", flow(invoke=False), REJECT, "invoke is the literal true"),
        ("unknown-keys", flow(futureField={"x": 1}), ACCEPT, "unknown keys are not refused"),
        ("run-input-attributes", flow(runInput={**RUN_INPUT, "attributes": {"a": "b"}, "environment": "prod",
                                                "allowReservedAttributes": True}), ACCEPT, "5.x runInput"),
        ("run-input-attributes-number", flow(runInput={**RUN_INPUT, "attributes": {"a": 1}}),
         REJECT, "strings"),
        ("step", flow(stepId="step_01", stepName="s", runContext=context), ACCEPT, "a step execution"),
        ("step-input-string", flow(stepId="step_01", stepInput={"input": "aGk="}), REJECT,
         "stepInput.input is bytes"),
        ("step-input-absent", flow(stepId="step_01", stepInput={}), REJECT, "stepInput.input is required"),
        ("run-context-no-spec-version", flow(runContext={"deploymentId": "dpl_1"}), REJECT, "required"),
        ("run-context-started-at-date", flow(runContext={**context, "startedAt": AT}),
         REJECT, "epoch ms number"),
        ("hook-input", flow(hookInput=hook_input), ACCEPT, "a legacy lazy resume"),
        ("hook-input-no-digest", flow(hookInput=without(hook_input, "payloadDigest")), REJECT, "required"),
        ("hook-input-no-payload", flow(hookInput=without(hook_input, "payload")), REJECT,
         "payload (z.unknown()) must be present"),
        ("run-input-no-input", flow(runInput=without(RUN_INPUT, "input")), REJECT,
         "input (z.unknown()) must be present"),
        ("run-input-legacy-input", flow(runInput={**RUN_INPUT, "input": {"a": 1}}), ACCEPT, "any value"),
        ("wait-continuation", flow(waitContinuation={"correlationId": "wait_01", "attempt": 0}),
         ACCEPT, "attempt 0"),
        ("wait-continuation-malformed", flow(waitContinuation={"attempt": -1}), ACCEPT,
         "a malformed waitContinuation degrades to absent"),
        ("hook-resume-timing-malformed", flow(hookResumeTiming={"strategy": 3}), ACCEPT,
         "a malformed hookResumeTiming degrades to absent"),
        ("hook-resume-timing-null", flow(hookResumeTiming=None), ACCEPT, "so does null"),
        ("divergence-event-ids", flow(replayDivergence={"eventId": "e", "count": 2, "eventIds": ["a", "b"]}),
         ACCEPT, "the divergence history"),
        ("divergence-event-ids-malformed", flow(replayDivergence={"eventId": "e", "count": 2, "eventIds": 3}),
         ACCEPT, "a malformed history degrades to absent"),
        ("divergence-count-zero", flow(replayDivergence={"eventId": "e", "count": 0}), REJECT, "positive"),
        ("precondition-reinvocations-zero", flow(preconditionReinvocations=0), REJECT, "positive"),
        ("deployment-mismatch-negative", flow(deploymentMismatchRetryCount=-1), REJECT, "nonnegative"),
        ("deployment-mismatch-zero", flow(deploymentMismatchRetryCount=0), ACCEPT, "zero"),
    ])  # fmt: skip
    corpus.table("queue.health", "HealthCheckPayloadSchema", [
        ("run-id", {"__healthCheck": True, "correlationId": "c", "runId": RUN_ID}, ACCEPT, "a run id"),
        ("run-id-number", {"__healthCheck": True, "correlationId": "c", "runId": 1}, REJECT, "a string"),
        ("one", {"__healthCheck": 1, "correlationId": "c"}, REJECT, "the literal true"),
    ])  # fmt: skip
    step_message = {"workflowName": WORKFLOW, "workflowRunId": RUN_ID, "workflowStartedAt": 1, "stepId": "s"}
    corpus.table("queue.union", "QueuePayloadSchema", [
        ("health-with-run-id", {"__healthCheck": True, "correlationId": "c", "runId": RUN_ID}, ACCEPT,
         "the health check is tried first"),
        ("health-false", {"__healthCheck": False, "correlationId": "c", "runId": RUN_ID}, ACCEPT,
         "not a health check, but a workflow payload with an unknown key"),
        ("4x-step-message", step_message, REJECT, "the 4.x step payload is gone"),
        ("empty", {}, REJECT, "no member accepts {}"),
    ])  # fmt: skip
    corpus.table("structured-error", "StructuredErrorSchema", [
        ("minimal", {"message": "boom"}, ACCEPT, "still exported"),
        ("no-message", {"stack": "s"}, REJECT, "message required"),
    ])  # fmt: skip


def add_wrong_types(corpus: Corpus) -> None:
    """Values of the wrong JSON type and snake_case keys."""
    corpus.table("wrong-type", None, [
        ("number-for-string.runId", stored("run_started", runId=42), REJECT, "runId is a string"),
        ("null-for-optional.cancelReason", request("run_cancelled", {"cancelReason": None}), REJECT,
         "null is not absent"),
        ("snake-case.attr_set", {"eventType": "attr_set", "event_data": EVENT_DATA_REQUIRED["attr_set"]},
         REJECT,
         "the wire is camelCase"),
        ("snake-case.stored", {"event_type": "noop", "run_id": RUN_ID, "event_id": "e", "created_at": AT},
         REJECT, "the wire is camelCase"),
    ])  # fmt: skip
    corpus.table("wrong-type", "WorkflowInvokePayloadSchema", [
        ("snake-case.queue", {"run_id": RUN_ID}, REJECT, "the wire is camelCase"),
    ])  # fmt: skip


def add_cancel_reasons(corpus: Corpus) -> None:
    """``cancelReason`` is at most 512 characters, counted as JavaScript counts them."""
    corpus.table("cancel-reason", None, [
        ("512", request("run_cancelled", {"cancelReason": "r" * 512}), ACCEPT, "512 characters"),
        ("513", request("run_cancelled", {"cancelReason": "r" * 513}), REJECT, "513 characters"),
        ("512-astral", request("run_cancelled", {"cancelReason": "\U0001f600" * 512}), ACCEPT,
         "zod 4.5 counts code points: 512 emoji (1024 UTF-16 units) pass"),
        ("513-astral", request("run_cancelled", {"cancelReason": "\U0001f600" * 513}),
         REJECT, "513 code points"),
        ("number", request("run_cancelled", {"cancelReason": 5}), REJECT, "a string"),
        ("stored-513", stored("run_cancelled", {"cancelReason": "r" * 513}), REJECT, "stored events too"),
    ])  # fmt: skip


def add_bulk_cancel(corpus: Corpus) -> None:
    """``runs.cancelMany``'s request and result."""
    ids = [RUN_ID, "wrun_01JNK9QX2S8T4V6W8Y0A2C4E6H"]
    corpus.table("bulk-cancel.request", "BulkCancelWorkflowRunsRequestSchema", [
        ("minimal", {"runIds": ids}, ACCEPT, "two ids"),
        ("reason", {"runIds": ids, "cancelReason": "sweep"}, ACCEPT, "with a reason"),
        ("500", {"runIds": [f"wrun_{n}" for n in range(500)]}, ACCEPT, "500 ids"),
        ("501", {"runIds": [f"wrun_{n}" for n in range(501)]}, REJECT, "more than 500"),
        ("empty", {"runIds": []}, REJECT, "at least one id"),
        ("duplicates", {"runIds": [RUN_ID, RUN_ID]}, REJECT, "unique ids"),
        ("reason-513", {"runIds": ids, "cancelReason": "r" * 513}, REJECT, "reason of at most 512"),
    ])  # fmt: skip
    summary = {"requested": 2, "cancelled": 1, "alreadyCancelled": 0, "notCancellable": 1, "notFound": 0,
               "failed": 0}  # fmt: skip
    outcomes = [{"runId": ids[0], "outcome": "cancelled"},
                {"runId": ids[1], "outcome": "not_cancellable", "status": "completed"}]  # fmt: skip
    corpus.table("bulk-cancel.result", "BulkCancelWorkflowRunsResultSchema", [
        ("mixed", {"summary": summary, "results": outcomes}, ACCEPT, "outcomes and their counts"),
        ("failed", {"summary": summary, "results": [{"runId": "r", "outcome": "failed", "code": "X",
                                                      "retryable": True}]}, ACCEPT, "a failure"),
        ("failed-no-retryable", {"summary": summary,
                                 "results": [{"runId": "r", "outcome": "failed", "code": "X"}]},
         REJECT, "retryable required"),
        ("not-cancellable-no-status", {"summary": summary,
                                       "results": [{"runId": "r", "outcome": "not_cancellable"}]},
         REJECT, "status required"),
        ("unknown-outcome", {"summary": summary, "results": [{"runId": "r", "outcome": "skipped"}]}, REJECT,
         "not an outcome"),
        ("summary-missing-count", {"summary": without(summary, "notFound"), "results": []}, REJECT,
         "every count is required"),
    ])  # fmt: skip


def build_corpus() -> dict[str, Any]:
    """The whole corpus document."""
    corpus = Corpus()
    add_realistic_run(corpus)
    add_endings(corpus)
    add_attributes(corpus)
    add_steps_and_hooks(corpus)
    add_payload_edges(corpus)
    add_dates(corpus)
    add_event_shapes(corpus)
    add_entities(corpus)
    add_queue(corpus)
    add_wrong_types(corpus)
    add_cancel_reasons(corpus)
    add_bulk_cancel(corpus)
    return {
        "format": "worldspec-parity-corpus/1",
        "about": "5.x-line wire data judged by @workflow/world 5.0.0-beta.37's zod schemas "
        "(tools/zod-parity --pin tools/zod-parity/world-5) and by worldspec.line5's parsers "
        "(tests/test_upstream_parity_v7.py). Written by tools/make_parity_corpus_v7.py; do not edit by hand.",
        "cases": corpus.cases,
    }


def main(argv: list[str] | None = None) -> int:
    return run_generator(build_corpus(), CORPUS_PATH, "tools/make_parity_corpus_v7.py", argv)


if __name__ == "__main__":
    sys.exit(main())
