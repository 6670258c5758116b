"""One realistic run of the 5.x line, built only from ``worldspec.line5``'s models, for the 5.x
parity corpus and its tests.

An order workflow at spec version 7, as ``@workflow/core`` 5.x drives it: ``run_created`` with
attributes and an encryption key, ``run_started``, a workflow-body ``attr_set``, a step started
lazily (its ``step_created`` synthesized by the World), a step that fails once (a verbatim error
payload) and completes with latency telemetry, a step written by an attribute-setting step body,
a hook with retention that receives a deduplicated resume and is disposed, a wait, and
``run_completed``; then the entities and the queue messages. Event ids are slots; times are
whole milliseconds, so every model's tagged JSON is the same on every call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

from worldspec.base import WireModel
from worldspec.entities import Wait
from worldspec.line5.attributes import AttributeChange, StepWriter, WorkflowWriter
from worldspec.line5.entities import CompletedRun, Hook, HookResumeContext, Step
from worldspec.line5.event_data import (
    AttrSetData,
    HookCreatedData,
    HookDisposedData,
    HookReceivedData,
    RunCompletedData,
    RunCreatedData,
    StepCompletedData,
    StepCreatedData,
    StepRetryingData,
    StepStartedData,
    WaitCompletedData,
    WaitCreatedData,
)
from worldspec.line5.events import (
    AttrSetRequest,
    Event,
    HookCreatedRequest,
    HookDisposedRequest,
    HookReceivedRequest,
    RunCompletedRequest,
    RunCreatedRequest,
    RunStartedRequest,
    StepCompletedRequest,
    StepCreatedRequest,
    StepRetryingRequest,
    StepStartedRequest,
    WaitCompletedRequest,
    WaitCreatedRequest,
)
from worldspec.line5.queue import (
    HealthCheckPayload,
    HookResumeInput,
    HookResumeTiming,
    RunDispatchContext,
    RunInput,
    StepDispatchInput,
    WorkflowInvokePayload,
)
from worldspec.line5.slots import slot_to_event_id

__all__ = [
    "RUN_ID",
    "RunEvent",
    "realistic_entities",
    "realistic_events",
    "realistic_queue_messages",
    "stored_from_request",
]

SPEC_VERSION = 7
STARTED = datetime(2025, 3, 4, 5, 6, 7, 321000, tzinfo=UTC)
RUN_ID = "wrun_01JNK9QX2S8T4V6W8Y0A2C4E6G"
DEPLOYMENT_ID = "dpl_5kT8rQ2mWx"
WORKFLOW_NAME = "workflow//./src/workflows/order//processOrder"
EXECUTION_CONTEXT = {
    "traceCarrier": {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
}
TRACE_CARRIER = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
ENCRYPTION_PUBLIC_KEY = "mKq3dC9p8vXr2Lw7hT1sN4bJ6yF0eA5gU8iO3kZ2xQc="
ATTRIBUTES = {"$rootRunId": RUN_ID, "customer": "cus_981", "tier": "gold"}

RUN_INPUT = b"devl" + b'[{"orderId":1},"ord_77"]'
RUN_OUTPUT = b"devl" + b'[{"status":1},"shipped"]'
RESERVE = ("step_01JNK9QX3A1B2C3D4E5F6G7H8J", "step//./src/workflows/order//reserveStock", b'devl["ord_77"]')
CHARGE = ("step_01JNK9QX3M9N8P7Q6R5S4T3V2W", "step//./src/workflows/order//chargeCard", b'devl["ord_77",99]')
RETRY_ERROR = b"devl" + b'[{"name":1,"message":2},"NetworkError","card network timeout"]'
HOOK_ID = "hook_01JNK9QX4B7C6D5E4F3G2H1J0K"
HOOK_TOKEN = "order-ord_77-approval"
HOOK_METADATA = b"encp\x01\x02\x03"
HOOK_PAYLOAD = b"zstd\x28\xb5\x2f\xfd\x00"
RESUME_ID = "rsm_01JNK9QX5C"
WAIT_CORRELATION_ID = "wait_01JNK9QX6D2E3F4G5H6J7K8M9N"
RESUME_AT = STARTED + timedelta(hours=1)
RETAIN_UNTIL = STARTED + timedelta(days=7)


@dataclass(frozen=True)
class RunEvent:
    """One event of the run: what the runtime sends and what a World stores for it (``request``
    is ``None`` for an event the World wrote by itself, such as a lazy start's ``step_created``)."""

    name: str
    request: WireModel | None
    stored: WireModel


_STORED_CLASSES: dict[str, type[WireModel]] = {
    cls.model_fields["event_type"].default: cls for cls in get_args(get_args(Event)[0])
}


def stored_from_request(request: WireModel, slot: int, created_at: datetime, **extra: Any) -> WireModel:
    """The stored event a World writes for ``request`` at ``slot``: the same fields plus its own."""
    sent: dict[str, Any] = {name: getattr(request, name) for name in request.model_fields_set}
    stored_class = _STORED_CLASSES[request.event_type]
    built = stored_class(
        run_id=RUN_ID, event_id=slot_to_event_id(slot), created_at=created_at, **{**sent, **extra}
    )
    # Loaded again from its wire form, so its eventData is the stored shape, as a parser reads it.
    return stored_class.model_validate(built.to_wire(), by_alias=True, by_name=False)


def _lazy_start() -> list[tuple[str, WireModel | None, dict[str, Any]]]:
    step_id, step_name, step_input = RESERVE
    request = StepStartedRequest(
        spec_version=SPEC_VERSION,
        correlation_id=step_id,
        event_data=StepStartedData(
            step_name=step_name,
            attempt=1,
            workflow_name=WORKFLOW_NAME,
            input=step_input,
            owner_message_id="msg_01JNK9QX7E",
        ),
    )
    synthesized = StepCreatedRequest(
        spec_version=SPEC_VERSION,
        correlation_id=step_id,
        event_data=StepCreatedData(step_name=step_name, input=step_input),
    )
    started_data = StepStartedData(
        step_name=step_name, attempt=1, workflow_name=WORKFLOW_NAME, owner_message_id="msg_01JNK9QX7E"
    )
    return [
        ("step_created", synthesized, {"_world_only": True}),
        ("step_started", request, {"event_data": started_data}),
    ]


def _plan() -> list[tuple[str, WireModel | None, dict[str, Any]]]:
    """(type, request, overrides of the stored form); ``_world_only`` marks a synthesized event."""
    charge_id, charge_name, charge_input = CHARGE
    plan: list[tuple[str, WireModel | None, dict[str, Any]]] = [
        (
            "run_created",
            RunCreatedRequest(
                spec_version=SPEC_VERSION,
                event_data=RunCreatedData(
                    deployment_id=DEPLOYMENT_ID,
                    workflow_name=WORKFLOW_NAME,
                    input=RUN_INPUT,
                    execution_context=EXECUTION_CONTEXT,
                    attributes=ATTRIBUTES,
                    allow_reserved_attributes=True,
                    encryption_public_key=ENCRYPTION_PUBLIC_KEY,
                ),
            ),
            {},
        ),
        ("run_started", RunStartedRequest(spec_version=SPEC_VERSION), {}),
        (
            "attr_set",
            AttrSetRequest(
                spec_version=SPEC_VERSION,
                correlation_id="attr_01JNK9QX8F",
                event_data=AttrSetData(
                    changes=[AttributeChange(key="stage", value="reserving")], writer=WorkflowWriter()
                ),
            ),
            {},
        ),
        *_lazy_start(),
        (
            "step_completed",
            StepCompletedRequest(
                spec_version=SPEC_VERSION,
                correlation_id=RESERVE[0],
                event_data=StepCompletedData(
                    step_name=RESERVE[1],
                    workflow_name=WORKFLOW_NAME,
                    result=b"devl[true]",
                    ttfs=41.5,
                    rsfs=12,
                    final_scheduling_replay=3.25,
                    optimizations=["lazyStepStart", "turbo"],
                ),
            ),
            {},
        ),
        (
            "step_created",
            StepCreatedRequest(
                spec_version=SPEC_VERSION,
                correlation_id=charge_id,
                event_data=StepCreatedData(
                    step_name=charge_name, workflow_name=WORKFLOW_NAME, input=charge_input
                ),
            ),
            {},
        ),
    ]
    for attempt in (1, 2):
        plan.append(
            (
                "step_started",
                StepStartedRequest(
                    spec_version=SPEC_VERSION,
                    correlation_id=charge_id,
                    event_data=StepStartedData(
                        step_name=charge_name, attempt=attempt, workflow_name=WORKFLOW_NAME
                    ),
                ),
                {},
            )
        )
        if attempt == 1:
            plan.append(
                (
                    "step_retrying",
                    StepRetryingRequest(
                        spec_version=SPEC_VERSION,
                        correlation_id=charge_id,
                        event_data=StepRetryingData(
                            step_name=charge_name,
                            error=RETRY_ERROR,
                            retry_after=STARTED + timedelta(seconds=5),
                        ),
                    ),
                    {},
                )
            )
    plan += [
        (
            "attr_set",
            AttrSetRequest(
                spec_version=SPEC_VERSION,
                event_data=AttrSetData(
                    changes=[
                        AttributeChange(key="charge", value="ch_12"),
                        AttributeChange(key="tier", value=None),
                    ],
                    writer=StepWriter(step_id=charge_id, attempt=2),
                ),
            ),
            {},
        ),
        (
            "step_completed",
            StepCompletedRequest(
                spec_version=SPEC_VERSION,
                correlation_id=charge_id,
                event_data=StepCompletedData(
                    step_name=charge_name,
                    workflow_name=WORKFLOW_NAME,
                    result=b'devl["ch_12"]',
                    stso=8,
                    step_count=1,
                    event_count=9,
                ),
            ),
            {},
        ),
        (
            "hook_created",
            HookCreatedRequest(
                spec_version=SPEC_VERSION,
                correlation_id=HOOK_ID,
                event_data=HookCreatedData(
                    token=HOOK_TOKEN,
                    token_retention_until=RETAIN_UNTIL,
                    metadata=HOOK_METADATA,
                    is_webhook=True,
                    is_system=False,
                ),
            ),
            {},
        ),
        (
            "hook_received",
            HookReceivedRequest(
                spec_version=SPEC_VERSION,
                correlation_id=HOOK_ID,
                event_data=HookReceivedData(token=HOOK_TOKEN, payload=HOOK_PAYLOAD),
            ),
            {"resume_id": RESUME_ID},
        ),
        (
            "hook_disposed",
            HookDisposedRequest(
                spec_version=SPEC_VERSION,
                correlation_id=HOOK_ID,
                event_data=HookDisposedData(token=HOOK_TOKEN),
            ),
            {},
        ),
        (
            "wait_created",
            WaitCreatedRequest(
                spec_version=SPEC_VERSION,
                correlation_id=WAIT_CORRELATION_ID,
                event_data=WaitCreatedData(resume_at=RESUME_AT),
            ),
            {},
        ),
        (
            "wait_completed",
            WaitCompletedRequest(
                spec_version=SPEC_VERSION,
                correlation_id=WAIT_CORRELATION_ID,
                event_data=WaitCompletedData(resume_at=RESUME_AT),
            ),
            {},
        ),
        (
            "run_completed",
            RunCompletedRequest(spec_version=SPEC_VERSION, event_data=RunCompletedData(output=RUN_OUTPUT)),
            {},
        ),
    ]
    return plan


def realistic_events() -> list[RunEvent]:
    """Every event of the run in slot order, named ``NN-<eventType>`` (01-run_created, ...)."""
    events = []
    for slot, (event_type, request, overrides) in enumerate(_plan(), start=1):
        created_at = STARTED + timedelta(milliseconds=250 * slot)
        extra = {key: value for key, value in overrides.items() if key != "_world_only"}
        assert request is not None
        stored = stored_from_request(request, slot, created_at, **extra)
        sent = None if overrides.get("_world_only") else request
        events.append(RunEvent(f"{slot:02d}-{event_type}", sent, stored))
    return events


def realistic_entities() -> dict[str, WireModel]:
    """The run, its steps, the hook (while live) and the wait, as a World reports them at the end."""
    finished = STARTED + timedelta(hours=1, seconds=2)
    attributes = {key: value for key, value in ATTRIBUTES.items() if key != "tier"}
    attributes.update(stage="reserving", charge="ch_12")
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
            attributes=attributes,
            encryption_public_key=ENCRYPTION_PUBLIC_KEY,
            started_at=STARTED + timedelta(milliseconds=500),
            completed_at=finished,
            created_at=STARTED + timedelta(milliseconds=250),
            updated_at=finished,
        ),
        "step-reserve": Step(
            run_id=RUN_ID,
            step_id=RESERVE[0],
            step_name=RESERVE[1],
            status="completed",
            input=RESERVE[2],
            output=b"devl[true]",
            attempt=1,
            started_at=STARTED + timedelta(seconds=1),
            completed_at=STARTED + timedelta(seconds=2),
            created_at=STARTED + timedelta(seconds=1),
            updated_at=STARTED + timedelta(seconds=2),
            spec_version=SPEC_VERSION,
        ),
        "step-charge": Step(
            run_id=RUN_ID,
            step_id=CHARGE[0],
            step_name=CHARGE[1],
            status="completed",
            input=CHARGE[2],
            output=b'devl["ch_12"]',
            error=RETRY_ERROR,
            attempt=2,
            started_at=STARTED + timedelta(seconds=3),
            completed_at=STARTED + timedelta(seconds=9),
            retry_after=STARTED + timedelta(seconds=5),
            created_at=STARTED + timedelta(seconds=3),
            updated_at=STARTED + timedelta(seconds=9),
            spec_version=SPEC_VERSION,
        ),
        "hook": Hook(
            run_id=RUN_ID,
            hook_id=HOOK_ID,
            token=HOOK_TOKEN,
            owner_id="team_4kd93",
            project_id="prj_7Hq2",
            environment="production",
            metadata=HOOK_METADATA,
            created_at=STARTED + timedelta(seconds=10),
            spec_version=SPEC_VERSION,
            is_webhook=True,
            is_system=False,
            token_retention_until=RETAIN_UNTIL,
            resume_context=HookResumeContext(
                deployment_id=DEPLOYMENT_ID,
                workflow_name=WORKFLOW_NAME,
                run_spec_version=SPEC_VERSION,
                workflow_core_version="5.0.0-beta.55",
                trace_carrier=TRACE_CARRIER,
                encryption_public_key=ENCRYPTION_PUBLIC_KEY,
                hook_resume_input_version=1,
            ),
        ),
        "wait": Wait(
            wait_id=f"{RUN_ID}-{WAIT_CORRELATION_ID}",
            run_id=RUN_ID,
            status="completed",
            resume_at=RESUME_AT,
            completed_at=RESUME_AT + timedelta(milliseconds=40),
            created_at=STARTED + timedelta(seconds=12),
            updated_at=RESUME_AT + timedelta(milliseconds=40),
            spec_version=SPEC_VERSION,
        ),
    }
    return entities


def realistic_queue_messages() -> dict[str, WireModel]:
    """The first workflow message (``runInput`` for resilient start), a step execution message
    (``stepId``, ``stepInput``, ``runContext``), a hook resume wake and a health check."""
    started_ms = int((STARTED + timedelta(milliseconds=500)).timestamp() * 1000)
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
                attributes=ATTRIBUTES,
                allow_reserved_attributes=True,
            ),
        ),
        "step": WorkflowInvokePayload(
            run_id=RUN_ID,
            step_id=CHARGE[0],
            step_name=CHARGE[1],
            step_input=StepDispatchInput(input=CHARGE[2]),
            run_context=RunDispatchContext(
                deployment_id=DEPLOYMENT_ID,
                spec_version=SPEC_VERSION,
                started_at=started_ms,
                root_run_id=RUN_ID,
            ),
            requested_at=STARTED + timedelta(seconds=3),
        ),
        "hook-resume": WorkflowInvokePayload(
            run_id=RUN_ID,
            hook_input=HookResumeInput(
                resume_id=RESUME_ID,
                hook_id=HOOK_ID,
                token=HOOK_TOKEN,
                payload=HOOK_PAYLOAD,
                payload_digest="sha256:9f86d081884c7d65",
                deployment_id=DEPLOYMENT_ID,
            ),
            hook_resume_timing=HookResumeTiming(
                resume_requested_at_ms=started_ms + 10_000, queue_publish_requested_at_ms=started_ms + 10_004
            ),
        ),
        "health-check": HealthCheckPayload(correlation_id="hc_01JNK9QX9G", run_id=RUN_ID),
    }
