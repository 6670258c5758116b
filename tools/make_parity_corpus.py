"""Write tests/fixtures/parity/corpus.json: wire data for upstream's zod schemas to judge.

    python tools/make_parity_corpus.py          # rewrite the corpus
    python tools/make_parity_corpus.py --check  # exit 1 if the committed corpus is stale

Each case names the upstream schema that judges it, says what upstream is expected to do
(``expect``: accept or reject) and why (``about``), and holds its data in the tagged JSON form
(worldspec.wire). After changing the corpus, regenerate the verdicts:

    node tools/zod-parity/validate.mjs tests/fixtures/parity/corpus.json \\
        > tests/fixtures/parity/verdicts.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from parity_corpus import ACCEPT, AT, DATES, LATER, REJECT, REPO, Corpus, run_generator, without

from tests.realistic_run import (
    RUN_ID,
    realistic_entities,
    realistic_events,
    realistic_queue_messages,
    stored_from_request,
)
from worldspec.entities import CancelledRun, FailedRun, Step, StructuredError
from worldspec.events import (
    HookConflictData,
    HookConflictEvent,
    RunCancelledRequest,
    RunFailedData,
    RunFailedRequest,
    StepFailedData,
    StepFailedRequest,
)
from worldspec.wire_types import MISSING

CORPUS_PATH = REPO / "tests" / "fixtures" / "parity" / "corpus.json"


def request(event_type: str, event_data: Any = MISSING, **fields: Any) -> dict[str, Any]:
    """A creatable event in wire form (specVersion 3; a correlationId unless run-level)."""
    data: dict[str, Any] = {"eventType": event_type, "specVersion": 3}
    if not event_type.startswith("run_"):
        data["correlationId"] = "corr_01"
    if event_data is not MISSING:
        data["eventData"] = event_data
    return {**data, **fields}


def stored(event_type: str, event_data: Any = MISSING, **fields: Any) -> dict[str, Any]:
    """A stored event in wire form."""
    ids = {"runId": RUN_ID, "eventId": "evnt_01", "createdAt": AT}
    return {**request(event_type, event_data), **ids, **fields}


# fmt: off
# Shapes and tables read best one item per line, so the formatter leaves them alone.
WORKFLOW = "workflow//./src/w//main"
RUN = {
    "runId": RUN_ID, "status": "running", "deploymentId": "dpl_1", "workflowName": WORKFLOW,
    "specVersion": 3, "input": b"[1]", "startedAt": AT, "createdAt": AT, "updatedAt": AT,
}
DONE = {"completedAt": LATER, "updatedAt": LATER}
STEP = {
    "runId": RUN_ID, "stepId": "step_01", "stepName": "step//./src/w//work", "status": "running",
    "input": b"[1]", "attempt": 1, "startedAt": AT, "createdAt": AT, "updatedAt": AT, "specVersion": 3,
}
HOOK = {
    "runId": RUN_ID, "hookId": "hook_01", "token": "tok_1", "ownerId": "team_1", "projectId": "prj_1",
    "environment": "production", "createdAt": AT, "specVersion": 3,
}
WAIT = {
    "waitId": f"{RUN_ID}-wait_01", "runId": RUN_ID, "status": "waiting", "resumeAt": LATER,
    "createdAt": AT, "updatedAt": AT, "specVersion": 3,
}
FLOW_MESSAGE = {"runId": RUN_ID}
RUN_INPUT = {"input": b"[1]", "deploymentId": "dpl_1", "workflowName": WORKFLOW, "specVersion": 3}
STEP_MESSAGE = {
    "workflowName": WORKFLOW, "workflowRunId": RUN_ID, "workflowStartedAt": 1704164645123,
    "stepId": "step_01",
}
ERROR = {"message": "boom", "stack": "Error: boom\n    at step"}

LEGACY_PAYLOADS: list[tuple[str, Any]] = [
    ("zero", 0), ("false", False), ("empty-string", ""), ("null", None), ("empty-array", []),
    ("empty-object", {}), ("string", "hello"), ("base64-looking-string", "aGVsbG8="),
    ("int-array", [1, 2, 3]), ("tag-shaped-object", {"$bytes": "not a tag"}),
]
BYTE_VALUES: list[tuple[str, bytes]] = [
    ("empty", b""), ("nul", b"\x00\x00\x00"), ("all-256", bytes(range(256))),
]
EVENT_DATA_REQUIRED: dict[str, dict[str, Any]] = {
    "run_created": {"deploymentId": "dpl_1", "workflowName": WORKFLOW, "input": b"[1]"},
    "run_completed": {"output": b"[1]"},
    "run_failed": {"error": ERROR},
    "step_created": {"stepName": "step//./src/w//work", "input": b"[1]"},
    "step_completed": {"result": b"[1]"},
    "step_failed": {"error": ERROR},
    "step_retrying": {"error": ERROR},
    "hook_created": {"token": "tok_1"},
    "hook_received": {"payload": b"[1]"},
    "wait_created": {"resumeAt": LATER},
}
EVENT_DATA_OPTIONAL = ("run_started", "step_started", "hook_disposed", "wait_completed")
# fmt: on


def add_realistic_run(corpus: Corpus) -> None:
    """The run of tests/realistic_run.py (every event as sent and as stored, the entities, the
    queue messages), then the other ways a run ends."""
    for event in realistic_events():
        about = f"event {event.name} of the realistic run"
        corpus.add(f"run.request.{event.name}", "CreateEventSchema", event.request, accept=True, about=about)
        corpus.add(f"run.stored.{event.name}", "EventSchema", event.stored, accept=True, about=about)
    entity_schemas = {"run": "WorkflowRunSchema", "hook": "HookSchema", "wait": "WaitSchema"}
    for name, entity in realistic_entities().items():
        about = f"the {name} after the realistic run"
        corpus.add(
            f"run.entity.{name}", entity_schemas.get(name, "StepSchema"), entity, accept=True, about=about
        )
    queue_schemas = {
        "workflow": "WorkflowInvokePayloadSchema",
        "step": "StepInvokePayloadSchema",
        "health-check": "HealthCheckPayloadSchema",
    }
    for name, message in realistic_queue_messages().items():
        about = f"the realistic run's {name} message"
        corpus.add(f"run.queue.{name}", queue_schemas[name], message, accept=True, about=about)
        corpus.add(f"run.queue-union.{name}", "QueuePayloadSchema", message, accept=True, about=about)

    error = StructuredError(message="card declined", stack="Error: card declined\n    at charge")
    endings = {
        "step_failed": StepFailedRequest(
            spec_version=3,
            correlation_id="step_01",
            event_data=StepFailedData(
                step_name="step//./src/w//work", error=error.to_wire(), stack=error.stack
            ),
        ),
        "run_failed": RunFailedRequest(
            spec_version=3, event_data=RunFailedData(error=error.to_wire(), error_code="USER_ERROR")
        ),
        "run_cancelled": RunCancelledRequest(spec_version=3),
    }
    for name, sent in endings.items():
        kept = stored_from_request(sent, "evnt_02", AT)
        corpus.add(
            f"ending.request.{name}", "CreateEventSchema", sent, accept=True, about=f"a run ends: {name}"
        )
        corpus.add(f"ending.stored.{name}", "EventSchema", kept, accept=True, about=f"a run ends: {name}")
    conflict = HookConflictEvent(
        run_id=RUN_ID,
        event_id="evnt_03",
        created_at=AT,
        spec_version=3,
        correlation_id="hook_01",
        event_data=HookConflictData(token="tok_1", conflicting_run_id="wrun_01HK421P83Q3JP5NMP6CPW6YQB"),
    )
    as_sent = without(conflict.to_wire(), "runId", "eventId", "createdAt")
    finished = {**RUN, **DONE}
    corpus.table("ending", None, [
        ("stored.hook_conflict", conflict.to_wire(), ACCEPT, "a World writes hook_conflict"),
        ("request.hook_conflict", as_sent, REJECT, "hook_conflict is stored only: a client never sends it"),
        ("stored.hook_conflict.no-conflicting-run-id", stored("hook_conflict", {"token": "tok_1"}), ACCEPT,
         "conflictingRunId is optional"),
    ])  # fmt: skip
    corpus.add(
        "ending.entity.run.failed",
        "WorkflowRunSchema",
        FailedRun.model_validate({**finished, "status": "failed", "error": error.to_wire()}),
        accept=True,
        about="a failed run",
    )
    corpus.add(
        "ending.entity.run.cancelled",
        "WorkflowRunSchema",
        CancelledRun.model_validate({**finished, "status": "cancelled"}),
        accept=True,
        about="a cancelled run",
    )
    corpus.add(
        "ending.entity.step.failed",
        "StepSchema",
        Step.model_validate({**STEP, "status": "failed", "error": error.to_wire(), "completedAt": LATER}),
        accept=True,
        about="a failed step",
    )


def add_payload_edges(corpus: Corpus) -> None:
    """Byte payloads at their edges, payloads of legacy runs, and specVersion absent."""
    for name, value in BYTE_VALUES:
        about = f"{name} bytes"
        corpus.table(f"bytes.{name}", None, [
            ("step_completed", request("step_completed", {"result": value}), ACCEPT, about),
            ("hook_received", stored("hook_received", {"token": "tok_1", "payload": value}), ACCEPT, about),
        ])  # fmt: skip
        completed = {**RUN, **DONE, "status": "completed", "output": value}
        corpus.add(f"bytes.{name}.run-output", "WorkflowRunSchema", completed, accept=True, about=about)
        corpus.add(
            f"bytes.{name}.hook-metadata", "HookSchema", {**HOOK, "metadata": value}, accept=True, about=about
        )
        message = {**FLOW_MESSAGE, "runInput": {**RUN_INPUT, "input": value}}
        corpus.add(
            f"bytes.{name}.run-input", "WorkflowInvokePayloadSchema", message, accept=True, about=about
        )
    for name, value in LEGACY_PAYLOADS:
        about = f"a legacy payload may be any JSON value: {json.dumps(value)}"
        legacy_event = request("step_completed", {"result": value}, specVersion=1)
        legacy_run = {**without(RUN, "specVersion"), **DONE, "status": "completed", "output": value}
        corpus.add(
            f"legacy.{name}.step_completed", "CreateEventSchema", legacy_event, accept=True, about=about
        )
        corpus.add(f"legacy.{name}.run-output", "WorkflowRunSchema", legacy_run, accept=True, about=about)
    text = "aGVsbG8="
    legacy_created = stored("run_created", {**EVENT_DATA_REQUIRED["run_created"], "input": text})
    corpus.add("legacy.string.run_created", "EventSchema", without(legacy_created, "specVersion"),
               accept=True, about="a legacy run_created whose input is a string")  # fmt: skip
    corpus.add(
        "legacy.string.hook-metadata", "HookSchema", {**HOOK, "metadata": text}, accept=True, about="legacy"
    )
    corpus.add(
        "legacy.string.step-output", "StepSchema", {**STEP, "output": text}, accept=True, about="legacy"
    )
    undefined_output = request("run_completed", {"output": MISSING})
    corpus.add("legacy.undefined.run_completed", "CreateEventSchema", undefined_output, accept=True,
               about="output undefined")  # fmt: skip
    without_version = {
        "request": ("CreateEventSchema", request("step_completed", {"result": b"[1]"})),
        "stored": ("EventSchema", stored("step_completed", {"result": b"[1]"})),
        "run": ("WorkflowRunSchema", RUN),
        "step": ("StepSchema", STEP),
        "hook": ("HookSchema", HOOK),
        "wait": ("WaitSchema", WAIT),
    }
    for name, (schema, data) in without_version.items():
        corpus.add(f"spec-version.absent.{name}", schema, without(data, "specVersion"), accept=True,
                   about="specVersion is optional (legacy data)")  # fmt: skip
    fraction = request("run_started", specVersion=2.5)
    corpus.add("spec-version.fraction", "CreateEventSchema", fraction, accept=True, about="any number")


def add_dates(corpus: Corpus) -> None:
    """What a date field accepts; upstream's ``z.coerce.date()`` is ``new Date(value)``."""
    for name, value, accept, about in DATES:
        corpus.add(f"dates.{name}.createdAt", "EventSchema", stored("run_started", createdAt=value),
                   accept=accept, about=f"createdAt: {about}")  # fmt: skip
    for name, value, accept, about in DATES:
        if name in ("iso-offset", "epoch-ms", "date-object", "garbage", "null"):
            waiting = request("wait_created", {"resumeAt": value})
            corpus.add(f"dates.{name}.resumeAt", "CreateEventSchema", waiting, accept=accept,
                       about=f"wait_created.eventData.resumeAt: {about}")  # fmt: skip
    corpus.table("dates", None, [
        ("absent.createdAt", without(stored("run_started"), "createdAt"), REJECT, "createdAt is required"),
        ("undefined.createdAt", stored("run_started", createdAt=MISSING), REJECT, "createdAt undefined"),
        ("garbage.retryAfter", request("step_retrying", {"error": ERROR, "retryAfter": "soon"}), REJECT,
         "step_retrying.eventData.retryAfter must be a date"),
    ])  # fmt: skip
    corpus.add("dates.iso-z.step-retryAfter", "StepSchema", {**STEP, "retryAfter": "2024-01-02T03:04:10Z"},
               accept=True, about="a step's retryAfter")  # fmt: skip
    requested = {**FLOW_MESSAGE, "requestedAt": 1704164645123}
    corpus.add("dates.epoch-ms.requestedAt", "WorkflowInvokePayloadSchema", requested, accept=True,
               about="requestedAt in epoch ms")  # fmt: skip


def add_event_shapes(corpus: Corpus) -> None:
    """Event types, correlation ids and eventData: what must be present and what may be."""
    corpus.table("event-type", None, [
        ("unknown.request", request("step_exploded", {}), REJECT, "not an event type"),
        ("unknown.stored", stored("run_paused"), REJECT, "not an event type"),
        ("missing.request", without(request("run_started"), "eventType"), REJECT, "no eventType"),
        ("null.stored", stored("run_started", eventType=None), REJECT, "eventType null"),
        ("wrong-case.request", request("Run_Started"), REJECT, "event types are lowercase"),
    ])  # fmt: skip
    corpus.table("correlation", None, [
        ("missing.step_created", without(request("step_created", EVENT_DATA_REQUIRED["step_created"]),
                                         "correlationId"), REJECT, "step events need a correlationId"),
        ("missing.step_started", without(request("step_started"), "correlationId"), REJECT, "as above"),
        ("missing.step_completed", without(stored("step_completed", {"result": b""}), "correlationId"),
         REJECT, "stored step events need one too"),
        ("missing.hook_created", without(request("hook_created", {"token": "t"}), "correlationId"), REJECT,
         "hook events need a correlationId"),
        ("missing.wait_created", without(request("wait_created", {"resumeAt": LATER}), "correlationId"),
         REJECT, "wait events need a correlationId"),
        ("missing.hook_conflict", without(stored("hook_conflict", {"token": "t"}), "correlationId"), REJECT,
         "hook_conflict needs a correlationId"),
        ("present.run_started", request("run_started", correlationId="corr_01"), ACCEPT, "run events may"),
        ("undefined.run_started", request("run_started", correlationId=MISSING), ACCEPT, "undefined"),
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
    corpus.table("event-data", None, [
        ("null.step_started", request("step_started", None), REJECT, "eventData null"),
        ("array.step_completed", request("step_completed", []), REJECT, "eventData an array"),
        ("run_cancelled-with-data", request("run_cancelled", {"reason": "user"}), ACCEPT, "dropped"),
        ("unknown-keys", request("step_completed", {"result": b"", "extra": 1}), ACCEPT, "dropped"),
        ("run_created.no-deploymentId", request("run_created", {"workflowName": "w"}), REJECT, "required"),
        ("run_created.no-workflowName", request("run_created", {"deploymentId": "d"}), REJECT, "required"),
        ("step_created.no-stepName", request("step_created", {"input": b""}), REJECT, "stepName required"),
        ("hook_created.no-token", request("hook_created", {"metadata": b""}), REJECT, "token required"),
        ("wait_created.no-resumeAt", request("wait_created", {}), REJECT, "resumeAt required"),
        ("hook_conflict.no-token", stored("hook_conflict", {}), REJECT, "token required"),
        ("run_failed.no-error", request("run_failed", {}), ACCEPT, "error is z.any()"),
        ("run_failed.string-error", request("run_failed", {"error": "boom"}), ACCEPT, "error is z.any()"),
        ("run_completed.empty", request("run_completed", {}), ACCEPT, "output is optional"),
        ("hook_received.no-token", request("hook_received", {"payload": b""}), ACCEPT, "token optional"),
        ("run_started.resilient", request("run_started", EVENT_DATA_REQUIRED["run_created"]), ACCEPT,
         "resilient start carries the run's creation data"),
        ("run_started.input-only", request("run_started", {"input": b"[1]"}), ACCEPT, "every key optional"),
        ("hook_created.webhook", request("hook_created", {"token": "t", "isWebhook": True}), ACCEPT, "flag"),
        ("step_started.attempt", request("step_started", {"attempt": 2}), ACCEPT, "attempt is a number"),
    ])  # fmt: skip


def add_entities(corpus: Corpus) -> None:
    """Runs (discriminated by status), steps, hooks and waits: valid and invalid shapes."""
    corpus.table("entity.run", "WorkflowRunSchema", [
        ("pending", {**without(RUN, "startedAt"), "status": "pending"}, ACCEPT, "a pending run"),
        ("running", RUN, ACCEPT, "a running run"),
        ("completed", {**RUN, **DONE, "status": "completed", "output": b"[2]"}, ACCEPT, "a completed run"),
        ("completed.no-output", {**RUN, **DONE, "status": "completed"}, ACCEPT, "output may be absent"),
        ("failed", {**RUN, **DONE, "status": "failed", "error": ERROR}, ACCEPT, "a failed run"),
        ("cancelled", {**RUN, **DONE, "status": "cancelled"}, ACCEPT, "a cancelled run"),
        ("expired", {**RUN, "expiredAt": LATER}, ACCEPT, "expiredAt"),
        ("execution-context", {**RUN, "executionContext": {"a": [1], "b": b"x"}}, ACCEPT, "any record"),
        ("running.output-undefined", {**RUN, "output": MISSING}, ACCEPT, "output undefined"),
        ("completed.with-error", {**RUN, **DONE, "status": "completed", "output": b"", "error": ERROR},
         REJECT, "a completed run has no error"),
        ("failed.no-error", {**RUN, **DONE, "status": "failed"}, REJECT, "a failed run has an error"),
        ("pending.completedAt", {**RUN, "status": "pending", "completedAt": LATER}, REJECT,
         "only terminal runs have completedAt"),
        ("cancelled.no-completedAt", {**RUN, "status": "cancelled"}, REJECT, "terminal: completedAt"),
        ("running.output", {**RUN, "output": b"[2]"}, REJECT, "only a completed run has output"),
        ("running.output-null", {**RUN, "output": None}, REJECT, "output null is not absent"),
        ("pending.error", {**RUN, "status": "pending", "error": ERROR}, REJECT, "only failed runs have one"),
        ("failed.string-error", {**RUN, **DONE, "status": "failed", "error": "boom"}, REJECT, "structured"),
        ("failed.error-no-message", {**RUN, **DONE, "status": "failed", "error": {"stack": "s"}}, REJECT,
         "error.message is required"),
        ("unknown-status", {**RUN, "status": "paused"}, REJECT, "not a run status"),
        ("no-runId", without(RUN, "runId"), REJECT, "runId required"),
        ("no-updatedAt", without(RUN, "updatedAt"), REJECT, "updatedAt required"),
        ("execution-context-array", {**RUN, "executionContext": [1]}, REJECT, "a record, not an array"),
    ])  # fmt: skip
    corpus.table("entity.step", "StepSchema", [
        ("pending", {**without(STEP, "startedAt"), "status": "pending", "attempt": 0}, ACCEPT, "new"),
        ("completed", {**STEP, **DONE, "status": "completed", "output": b"[2]"}, ACCEPT, "completed"),
        ("retrying", {**STEP, "status": "pending", "error": ERROR, "retryAfter": LATER}, ACCEPT, "retrying"),
        ("cancelled", {**STEP, "status": "cancelled"}, ACCEPT, "a reserved status"),
        ("completed.with-error", {**STEP, "status": "completed", "error": ERROR}, ACCEPT, "no union"),
        ("no-attempt", without(STEP, "attempt"), REJECT, "attempt required"),
        ("no-stepName", without(STEP, "stepName"), REJECT, "stepName required"),
        ("unknown-status", {**STEP, "status": "waiting"}, REJECT, "not a step status"),
        ("string-error", {**STEP, "error": "boom"}, REJECT, "error is structured"),
    ])  # fmt: skip
    corpus.table("entity.hook", "HookSchema", [
        ("minimal", without(HOOK, "specVersion"), ACCEPT, "no metadata, no isWebhook"),
        ("webhook", {**HOOK, "isWebhook": True, "metadata": b"[1]"}, ACCEPT, "a webhook"),
        ("empty-owner", {**HOOK, "ownerId": "", "projectId": "", "environment": ""}, ACCEPT, "may be empty"),
        ("no-token", without(HOOK, "token"), REJECT, "token required"),
        ("no-environment", without(HOOK, "environment"), REJECT, "environment required"),
        ("isWebhook-string", {**HOOK, "isWebhook": "yes"}, REJECT, "isWebhook is a boolean"),
        ("no-createdAt", without(HOOK, "createdAt"), REJECT, "createdAt required"),
    ])  # fmt: skip
    corpus.table("entity.wait", "WaitSchema", [
        ("completed", {**WAIT, "status": "completed", "completedAt": LATER}, ACCEPT, "a completed wait"),
        ("no-resumeAt", without(WAIT, "resumeAt"), ACCEPT, "resumeAt is optional"),
        ("unknown-status", {**WAIT, "status": "done"}, REJECT, "not a wait status"),
        ("no-waitId", without(WAIT, "waitId"), REJECT, "waitId required"),
        ("bad-resumeAt", {**WAIT, "resumeAt": "later"}, REJECT, "resumeAt must be a date"),
    ])  # fmt: skip


def add_queue_and_errors(corpus: Corpus) -> None:
    """Queue payloads and structured errors."""

    def diverged(count: Any) -> dict[str, Any]:
        return {**FLOW_MESSAGE, "replayDivergence": {"eventId": "evnt_01", "count": count}}

    def with_input(run_input: dict[str, Any]) -> dict[str, Any]:
        return {**FLOW_MESSAGE, "runInput": run_input}

    corpus.table("queue.workflow", "WorkflowInvokePayloadSchema", [
        ("minimal", FLOW_MESSAGE, ACCEPT, "only runId"),
        ("run-input-legacy", with_input({**RUN_INPUT, "input": {"a": 1}}), ACCEPT, "input is z.unknown()"),
        ("run-input-no-input", with_input(without(RUN_INPUT, "input")), ACCEPT, "input may be absent"),
        ("run-input-no-spec-version", with_input(without(RUN_INPUT, "specVersion")), REJECT, "required"),
        ("trace-carrier-number", {**FLOW_MESSAGE, "traceCarrier": {"tp": 1}}, REJECT, "strings"),
        ("divergence", diverged(2), ACCEPT, "a positive integer"),
        ("divergence-zero", diverged(0), REJECT, "count is positive"),
        ("divergence-fraction", diverged(1.5), REJECT, "count is an integer"),
        ("divergence-float-integer", diverged(2.0), ACCEPT, "2.0 is the integer 2 in JSON"),
        ("divergence-unsafe", diverged(2**60), REJECT, "zod's int() wants a safe integer"),
        ("retry-count-negative", {**FLOW_MESSAGE, "serverErrorRetryCount": -1}, ACCEPT, "any integer"),
        ("retry-count-float-integer", {**FLOW_MESSAGE, "serverErrorRetryCount": 3.0}, ACCEPT, "3.0 is 3"),
        ("retry-count-string", {**FLOW_MESSAGE, "serverErrorRetryCount": "3"}, REJECT, "a number"),
    ])  # fmt: skip
    corpus.table("queue.step", "StepInvokePayloadSchema", [
        ("started-at-string", {**STEP_MESSAGE, "workflowStartedAt": "1704164645123"}, REJECT, "a number"),
        ("started-at-date", {**STEP_MESSAGE, "workflowStartedAt": AT}, REJECT, "a Date is not a number"),
        ("no-step-id", without(STEP_MESSAGE, "stepId"), REJECT, "stepId required"),
    ])  # fmt: skip
    corpus.table("queue.health", "HealthCheckPayloadSchema", [
        ("string-true", {"__healthCheck": "true", "correlationId": "c"}, REJECT, "the literal true"),
        ("one", {"__healthCheck": 1, "correlationId": "c"}, REJECT, "the literal true"),
        ("no-correlation", {"__healthCheck": True}, REJECT, "correlationId required"),
    ])  # fmt: skip
    corpus.table("queue.union", "QueuePayloadSchema", [
        ("empty", {}, REJECT, "no member accepts {}"),
        ("health-false", {"__healthCheck": False, "correlationId": "c"}, REJECT, "no member accepts it"),
        ("step-and-workflow", {**STEP_MESSAGE, **FLOW_MESSAGE}, ACCEPT, "the first member accepts it"),
        ("null", None, REJECT, "null"),
    ])  # fmt: skip
    corpus.table("structured-error", "StructuredErrorSchema", [
        ("minimal", {"message": "boom"}, ACCEPT, "message only"),
        ("full", {**ERROR, "code": "USER_ERROR"}, ACCEPT, "message, stack, code"),
        ("extra-keys", {**ERROR, "name": "TypeError", "cause": {"a": 1}}, ACCEPT, "unknown keys dropped"),
        ("no-message", {"stack": "s"}, REJECT, "message required"),
        ("message-number", {"message": 42}, REJECT, "message is a string"),
        ("stack-null", {"message": "boom", "stack": None}, REJECT, "null is not absent"),
        ("string", "boom", REJECT, "a bare string"),
    ])  # fmt: skip


def add_wrong_types(corpus: Corpus) -> None:
    """Values of the wrong JSON type, snake_case keys, and data that is not an object."""
    completed = request("step_completed", {"result": b"[1]"})
    snake_stored = {"event_type": "run_started", "run_id": RUN_ID, "event_id": "evnt_01", "created_at": AT}
    snake_request = {"eventType": "step_completed", "correlation_id": "c", "event_data": {"result": b""}}
    corpus.table("wrong-type", None, [
        ("number-for-string.runId", stored("run_started", runId=42), REJECT, "runId is a string"),
        ("number-for-string.stepName", request("step_created", {"stepName": 7}), REJECT, "a string"),
        ("string-for-number.specVersion", {**completed, "specVersion": "3"}, REJECT, "a number"),
        ("boolean-for-number.specVersion", stored("run_started", specVersion=False), REJECT, "not 0"),
        ("boolean-for-string.token", request("hook_created", {"token": True}), REJECT, "token is a string"),
        ("null-for-optional-string.correlationId", request("run_started", correlationId=None), REJECT,
         "null is not absent"),
        ("null-for-optional-string.token", request("hook_received", {"token": None}), REJECT, "not absent"),
        ("null-for-optional-string.stepName", stored("step_completed", {"stepName": None}), REJECT,
         "null is not absent"),
        ("number-too-large", {**completed, "specVersion": 10**400}, REJECT,
         "JSON.parse reads it as Infinity, which z.number() refuses"),
        ("not-an-object.array", [completed], REJECT, "an array"),
    ])  # fmt: skip
    corpus.table("wrong-type", "EventSchema", [
        ("snake-case.stored", snake_stored, REJECT, "the wire is camelCase"),
        ("not-an-object.null", None, REJECT, "null"),
    ])  # fmt: skip
    corpus.table("wrong-type", "CreateEventSchema", [
        ("snake-case.request", snake_request, REJECT, "the wire is camelCase"),
    ])  # fmt: skip
    corpus.table("wrong-type", "QueuePayloadSchema", [
        ("snake-case.queue", {"run_id": RUN_ID}, REJECT, "the wire is camelCase"),
    ])  # fmt: skip
    corpus.table("wrong-type", "StepSchema", [
        ("string-for-number.attempt", {**STEP, "attempt": "1"}, REJECT, "attempt is a number"),
        ("boolean-for-number.attempt", {**STEP, "attempt": True}, REJECT, "true is not 1"),
    ])  # fmt: skip
    corpus.table("wrong-type", "HookSchema", [
        ("number-for-string.token", {**HOOK, "token": 1234}, REJECT, "token is a string"),
        ("null-for-optional-boolean.isWebhook", {**HOOK, "isWebhook": None}, REJECT, "null is not absent"),
    ])  # fmt: skip
    corpus.table("wrong-type", "WaitSchema", [
        ("null-for-optional-number.specVersion", {**WAIT, "specVersion": None}, REJECT, "null is not absent"),
    ])  # fmt: skip
    corpus.table("wrong-type", "WorkflowRunSchema", [
        ("object-for-string.workflowName", {**RUN, "workflowName": {"n": 1}}, REJECT, "a string"),
        ("not-an-object.string", "wrun_01", REJECT, "a string"),
    ])  # fmt: skip


def build_corpus() -> dict[str, Any]:
    """The whole corpus document."""
    corpus = Corpus()
    add_realistic_run(corpus)
    add_payload_edges(corpus)
    add_dates(corpus)
    add_event_shapes(corpus)
    add_entities(corpus)
    add_queue_and_errors(corpus)
    add_wrong_types(corpus)
    return {
        "format": "worldspec-parity-corpus/1",
        "about": "Wire data judged by @workflow/world 4.5.0's zod schemas (tools/zod-parity) and by "
        "worldspec's parsers (tests/test_upstream_parity.py). Written by tools/make_parity_corpus.py; "
        "do not edit by hand.",
        "cases": corpus.cases,
    }


def main(argv: list[str] | None = None) -> int:
    return run_generator(build_corpus(), CORPUS_PATH, "tools/make_parity_corpus.py", argv)


if __name__ == "__main__":
    sys.exit(main())
