"""One realistic run, built only from worldspec's models, for the parity corpus and its tests.

An order workflow at spec version 3: ``run_created``, ``run_started``, three steps (the second
fails once and is retried), a hook that receives a payload and is disposed, a wait, and
``run_completed``; then the entities those events leave behind and the queue messages that
drove them. Ids and times are fixed, and times are whole milliseconds, so the tagged JSON of
every model is the same on every call.

``tools/make_parity_corpus.py`` writes all of it into the corpus; ``test_realistic_run.py``
checks that upstream accepts it and that it loads back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

from worldspec.base import WireModel
from worldspec.entities import CompletedRun, Hook, Step, StructuredError, Wait
from worldspec.events import (
    Event,
    HookCreatedData,
    HookCreatedRequest,
    HookDisposedData,
    HookDisposedRequest,
    HookReceivedData,
    HookReceivedRequest,
    RunCompletedData,
    RunCompletedRequest,
    RunCreatedData,
    RunCreatedRequest,
    RunStartedRequest,
    StepCompletedData,
    StepCompletedRequest,
    StepCreatedData,
    StepCreatedRequest,
    StepRetryingData,
    StepRetryingRequest,
    StepStartedData,
    StepStartedRequest,
    WaitCompletedData,
    WaitCompletedRequest,
    WaitCreatedData,
    WaitCreatedRequest,
)
from worldspec.queue import HealthCheckPayload, RunInput, StepInvokePayload, WorkflowInvokePayload

__all__ = [
    "RUN_ID",
    "RunEvent",
    "realistic_entities",
    "realistic_events",
    "realistic_queue_messages",
    "stored_from_request",
]

SPEC_VERSION = 3
STARTED = datetime(2024, 1, 2, 3, 4, 5, 123000, tzinfo=UTC)
RUN_ID = "wrun_01HK421P83Q3JP5NMP6CPW6YQA"
DEPLOYMENT_ID = "dpl_8f3aQk2LmN"
WORKFLOW_NAME = "workflow//./src/workflows/order//processOrder"
EXECUTION_CONTEXT = {
    "traceCarrier": {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
}
TRACE_CARRIER = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}

# devalue-encoded payloads, as the runtime writes them: opaque bytes to a World.
RUN_INPUT = b'[{"orderId":1,"quantity":2},"ord_42",3]'
RUN_OUTPUT = b'[{"status":1,"receipt":2},"shipped","rcpt_9"]'
HOOK_METADATA = b'[{"approver":1},"ops@example.com"]'
HOOK_PAYLOAD = b'[{"approved":1,"note":2},true,"looks good \xe2\x9c\x93"]'

STEPS = (
    (
        "step_01HK421P8E6Q0V3KX1W9TBZ4A5",
        "step//./src/workflows/order//reserveStock",
        b'["ord_42",3]',
        b"[true]",
    ),
    (
        "step_01HK421P8N2D7RFMJ5C0YXS8GH",
        "step//./src/workflows/order//chargeCard",
        b'["ord_42",4200]',
        b'["ch_77"]',
    ),
    (
        "step_01HK421P9X4A1B8N6M3QZ2W7KD",
        "step//./src/workflows/order//sendConfirmation",
        b'["ord_42"]',
        b"[null]",
    ),
)
RETRY_ERROR = {"message": "card network timeout", "stack": "Error: card network timeout\n    at charge"}
HOOK_ID = "hook_01HK421PA3M9K2T7Q5R8V1X4ZC"
HOOK_TOKEN = "order-ord_42-approval"
WAIT_CORRELATION_ID = "wait_01HK421PB7D3F8G2H6J9K4M1NP"
RESUME_AT = STARTED + timedelta(hours=1)


@dataclass(frozen=True)
class RunEvent:
    """One event of the run: what the runtime sends and what a World stores for it."""

    name: str
    request: WireModel
    stored: WireModel


_STORED_CLASSES: dict[str, type[WireModel]] = {
    cls.model_fields["event_type"].default: cls for cls in get_args(get_args(Event)[0])
}


def stored_from_request(request: WireModel, event_id: str, created_at: datetime) -> WireModel:
    """The stored event a World writes for ``request``: the same fields plus its own ids and times."""
    sent: dict[str, Any] = {name: getattr(request, name) for name in request.model_fields_set}
    stored_class = _STORED_CLASSES[request.event_type]
    return stored_class(
        run_id=RUN_ID,
        event_id=event_id,
        created_at=created_at,
        occurred_at=created_at - timedelta(milliseconds=2),
        **sent,
    )


def _requests() -> list[tuple[str, Any]]:
    requests: list[tuple[str, Any]] = [
        (
            "run_created",
            RunCreatedRequest(
                spec_version=SPEC_VERSION,
                event_data=RunCreatedData(
                    deployment_id=DEPLOYMENT_ID,
                    workflow_name=WORKFLOW_NAME,
                    input=RUN_INPUT,
                    execution_context=EXECUTION_CONTEXT,
                ),
            ),
        ),
        ("run_started", RunStartedRequest(spec_version=SPEC_VERSION)),
    ]
    for index, (step_id, step_name, step_input, step_result) in enumerate(STEPS):
        requests.append(
            (
                "step_created",
                StepCreatedRequest(
                    spec_version=SPEC_VERSION,
                    correlation_id=step_id,
                    event_data=StepCreatedData(
                        step_name=step_name, workflow_name=WORKFLOW_NAME, input=step_input
                    ),
                ),
            )
        )
        attempts = 2 if index == 1 else 1
        for attempt in range(1, attempts + 1):
            requests.append(
                (
                    "step_started",
                    StepStartedRequest(
                        spec_version=SPEC_VERSION,
                        correlation_id=step_id,
                        event_data=StepStartedData(
                            step_name=step_name, attempt=attempt, workflow_name=WORKFLOW_NAME
                        ),
                    ),
                )
            )
            if attempt < attempts:
                requests.append(
                    (
                        "step_retrying",
                        StepRetryingRequest(
                            spec_version=SPEC_VERSION,
                            correlation_id=step_id,
                            event_data=StepRetryingData(
                                step_name=step_name,
                                error=RETRY_ERROR,
                                stack=RETRY_ERROR["stack"],
                                retry_after=STARTED + timedelta(seconds=5),
                            ),
                        ),
                    )
                )
        requests.append(
            (
                "step_completed",
                StepCompletedRequest(
                    spec_version=SPEC_VERSION,
                    correlation_id=step_id,
                    event_data=StepCompletedData(
                        step_name=step_name, workflow_name=WORKFLOW_NAME, result=step_result
                    ),
                ),
            )
        )
    requests += [
        (
            "hook_created",
            HookCreatedRequest(
                spec_version=SPEC_VERSION,
                correlation_id=HOOK_ID,
                event_data=HookCreatedData(token=HOOK_TOKEN, metadata=HOOK_METADATA, is_webhook=False),
            ),
        ),
        (
            "hook_received",
            HookReceivedRequest(
                spec_version=SPEC_VERSION,
                correlation_id=HOOK_ID,
                event_data=HookReceivedData(token=HOOK_TOKEN, payload=HOOK_PAYLOAD),
            ),
        ),
        (
            "hook_disposed",
            HookDisposedRequest(
                spec_version=SPEC_VERSION,
                correlation_id=HOOK_ID,
                event_data=HookDisposedData(token=HOOK_TOKEN),
            ),
        ),
        (
            "wait_created",
            WaitCreatedRequest(
                spec_version=SPEC_VERSION,
                correlation_id=WAIT_CORRELATION_ID,
                event_data=WaitCreatedData(resume_at=RESUME_AT),
            ),
        ),
        (
            "wait_completed",
            WaitCompletedRequest(
                spec_version=SPEC_VERSION,
                correlation_id=WAIT_CORRELATION_ID,
                event_data=WaitCompletedData(resume_at=RESUME_AT),
            ),
        ),
        (
            "run_completed",
            RunCompletedRequest(spec_version=SPEC_VERSION, event_data=RunCompletedData(output=RUN_OUTPUT)),
        ),
    ]
    return requests


def realistic_events() -> list[RunEvent]:
    """Every event of the run in log order, named ``NN-<eventType>`` (01-run_created, ...)."""
    events = []
    for position, (event_type, request) in enumerate(_requests(), start=1):
        created_at = STARTED + timedelta(milliseconds=250 * position)
        event_id = f"evnt_01HK421P83{position:016d}"
        events.append(
            RunEvent(
                f"{position:02d}-{event_type}", request, stored_from_request(request, event_id, created_at)
            )
        )
    return events


def realistic_entities() -> dict[str, WireModel]:
    """The run, its steps, the hook (while live) and the wait, as a World reports them at the end."""
    finished = STARTED + timedelta(hours=1, seconds=2)
    entities: dict[str, WireModel] = {
        "run": CompletedRun(
            run_id=RUN_ID,
            status="completed",
            deployment_id=DEPLOYMENT_ID,
            workflow_name=WORKFLOW_NAME,
            spec_version=SPEC_VERSION,
            execution_context=EXECUTION_CONTEXT,
            input=RUN_INPUT,
            output=RUN_OUTPUT,
            started_at=STARTED + timedelta(milliseconds=500),
            completed_at=finished,
            created_at=STARTED + timedelta(milliseconds=250),
            updated_at=finished,
        ),
        "hook": Hook(
            run_id=RUN_ID,
            hook_id=HOOK_ID,
            token=HOOK_TOKEN,
            owner_id="team_4kd93",
            project_id="prj_7Hq2",
            environment="production",
            metadata=HOOK_METADATA,
            created_at=STARTED + timedelta(seconds=3),
            spec_version=SPEC_VERSION,
            is_webhook=False,
        ),
        "wait": Wait(
            wait_id=f"{RUN_ID}-{WAIT_CORRELATION_ID}",
            run_id=RUN_ID,
            status="completed",
            resume_at=RESUME_AT,
            completed_at=RESUME_AT + timedelta(milliseconds=40),
            created_at=STARTED + timedelta(seconds=5),
            updated_at=RESUME_AT + timedelta(milliseconds=40),
            spec_version=SPEC_VERSION,
        ),
    }
    for index, (step_id, step_name, step_input, step_result) in enumerate(STEPS):
        retried = index == 1
        started = STARTED + timedelta(seconds=1 + index)
        entities[f"step-{index + 1}"] = Step(
            run_id=RUN_ID,
            step_id=step_id,
            step_name=step_name,
            status="completed",
            input=step_input,
            output=step_result,
            attempt=2 if retried else 1,
            started_at=started,
            completed_at=started + timedelta(seconds=6 if retried else 1),
            created_at=started - timedelta(milliseconds=100),
            updated_at=started + timedelta(seconds=6 if retried else 1),
            spec_version=SPEC_VERSION,
            **(
                {"error": StructuredError(**RETRY_ERROR), "retry_after": STARTED + timedelta(seconds=5)}
                if retried
                else {}
            ),
        )
    return entities


def realistic_queue_messages() -> dict[str, WireModel]:
    """The first workflow message (carrying ``runInput`` for resilient start), a step message
    and a health check."""
    return {
        "workflow": WorkflowInvokePayload(
            run_id=RUN_ID,
            trace_carrier=TRACE_CARRIER,
            requested_at=STARTED,
            run_input=RunInput(
                input=RUN_INPUT,
                deployment_id=DEPLOYMENT_ID,
                workflow_name=WORKFLOW_NAME,
                spec_version=SPEC_VERSION,
                execution_context=EXECUTION_CONTEXT,
            ),
        ),
        "step": StepInvokePayload(
            workflow_name=WORKFLOW_NAME,
            workflow_run_id=RUN_ID,
            workflow_started_at=int((STARTED + timedelta(milliseconds=500)).timestamp() * 1000),
            step_id=STEPS[0][0],
            trace_carrier=TRACE_CARRIER,
            requested_at=STARTED + timedelta(seconds=1),
        ),
        "health-check": HealthCheckPayload(correlation_id="hc_01HK421PC2"),
    }
