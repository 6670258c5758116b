"""Broken Worlds for the optional members of the 5.x line (OPT-001 to OPT-010): each member
present, and wrong the way a backend author could plausibly get it wrong.

Each replaces one member of the memory World in ``__init__`` (the optional members have no hook
in ``base.HOOKS``) and is judged on the OPT family only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from reference_worlds.memory_line5_bulk import NOT_IN_A_BATCH
from reference_worlds.memory_line5_bulk import _check_batch as check_batch
from reference_worlds.rules_line5 import validated_request
from tests.broken_worlds.base import LineFiveBrokenWorld
from worldspec.line5 import errors
from worldspec.line5.attributes import AttributeChange, WorkflowWriter
from worldspec.line5.bulk import (
    BatchEventRequest,
    BulkCancelWorkflowRunsRequest,
    BulkCancelWorkflowRunsResult,
    CreateEventBatchParams,
    EventBatchResult,
)
from worldspec.line5.entities import TERMINAL_RUN_STATUSES, WorkflowRun
from worldspec.line5.event_data import AttrSetData
from worldspec.line5.events import AttrSetRequest
from worldspec.pagination import ResolveData
from worldspec.ulid import new_ulid
from worldspec.wire_types import MISSING

OPT = "optional_members"
"""The family marker the kit is run on against these Worlds."""


class HookRetentionAsAFlag(LineFiveBrokenWorld, breaks={"OPT-001"}, only=OPT):
    """Declares ``capabilities`` as a plain object with ``hookRetention: true``, as if it were a
    flag like the others, instead of ``{active: true}``."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.capabilities = {"hookRetention": True, "hookResumeDedup": True}  # type: ignore[assignment]


class WaitTimesOutWithAnError(LineFiveBrokenWorld, breaks={"OPT-002"}, only=OPT):
    """Raises when ``timeoutMs`` runs out before the run ends, instead of answering with the
    run's snapshot."""

    async def on_wait_for_terminal_status(
        self, run_id: str, *, timeout_ms: float | None = None, resolve_data: ResolveData = "all"
    ) -> WorkflowRun:
        found = await self.memory_runs.wait_for_terminal_status(
            run_id, timeout_ms=timeout_ms, resolve_data=resolve_data
        )
        if found.status not in TERMINAL_RUN_STATUSES:
            raise errors.WorkflowWorldError(f"run {run_id} did not end within {timeout_ms} ms", status=408)
        return found


class GetManySkipsMissingRuns(LineFiveBrokenWorld, breaks={"OPT-003"}, only=OPT):
    """Answers ``getMany`` with the runs it found, leaving out the ids it has no run for (a
    ``WHERE id IN (...)`` query returned as is)."""

    async def on_get_many(
        self, run_ids: Sequence[str], *, resolve_data: ResolveData = "all"
    ) -> list[WorkflowRun | None]:
        found = await self.memory_runs.get_many(run_ids, resolve_data=resolve_data)
        return [run for run in found if run is not None]


class WaitAnswersWholeRuns(LineFiveBrokenWorld, breaks={"OPT-002"}, only=OPT):
    """Waits by polling its own ``runs.get(runId)``, and forgets to pass ``resolveData`` on: the
    run comes back with its input and output whatever the caller asked."""

    async def on_wait_for_terminal_status(
        self, run_id: str, *, timeout_ms: float | None = None, resolve_data: ResolveData = "all"
    ) -> WorkflowRun:
        return await self.memory_runs.wait_for_terminal_status(run_id, timeout_ms=timeout_ms)


class GetManyAnswersWholeRuns(LineFiveBrokenWorld, breaks={"OPT-003"}, only=OPT):
    """Reads the runs with one ``SELECT * ... WHERE id IN (...)`` and returns the rows as they
    are: ``resolveData: 'none'`` still brings every input and output."""

    async def on_get_many(
        self, run_ids: Sequence[str], *, resolve_data: ResolveData = "all"
    ) -> list[WorkflowRun | None]:
        return await self.memory_runs.get_many(run_ids)


class CancelManyForgetsTheReason(LineFiveBrokenWorld, breaks={"OPT-004"}, only=OPT):
    """Cancels each run of ``cancelMany`` with a bare ``run_cancelled``: the request's
    ``cancelReason`` is not passed on to the events."""

    async def on_cancel_many(self, request: BulkCancelWorkflowRunsRequest) -> BulkCancelWorkflowRunsResult:
        if request.cancel_reason is not MISSING and len(request.cancel_reason) <= 512:
            request = request.model_copy(update={"cancel_reason": MISSING})
        return await self.memory_runs.cancel_many(request)


class CancelManyTakesRepeatedIds(LineFiveBrokenWorld, breaks={"OPT-005"}, only=OPT):
    """Takes a ``cancelMany`` that names a run twice: it cancels the run, and answers the
    repeat with the outcome of its first mention."""

    async def on_cancel_many(self, request: BulkCancelWorkflowRunsRequest) -> BulkCancelWorkflowRunsResult:
        asked = list(request.run_ids)
        unique = list(dict.fromkeys(asked))
        if len(unique) == len(asked):
            return await self.memory_runs.cancel_many(request)
        once = await self.memory_runs.cancel_many(request.model_copy(update={"run_ids": unique}))
        by_id = {entry.run_id: entry for entry in once.results}
        results = [by_id[run_id] for run_id in asked]
        summary = once.summary.model_copy(update={"requested": len(asked)})
        return BulkCancelWorkflowRunsResult(summary=summary, results=results)


class CancelManyLeavesHooksLive(LineFiveBrokenWorld, breaks={"OPT-004"}, only=OPT):
    """Cancels the runs of ``cancelMany`` with one status update and their ``run_cancelled``
    events, skipping the release the single ``run_cancelled`` does: their hooks stay live and
    keep their tokens."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.unreleased: set[str] = set()
        released = self.state.is_held

        def is_held(hook: Any, now: Any) -> bool:
            return hook.run_id in self.unreleased or released(hook, now)

        self.state.is_held = is_held  # type: ignore[method-assign]

    async def on_cancel_many(self, request: BulkCancelWorkflowRunsRequest) -> BulkCancelWorkflowRunsResult:
        hooks, tokens = dict(self.state.hooks), dict(self.state.tokens)
        answered = await self.memory_runs.cancel_many(request)
        for entry in answered.results:
            if entry.outcome != "cancelled":
                continue
            self.unreleased.add(entry.run_id)
            self.state.hooks.update({key: hook for key, hook in hooks.items() if key[0] == entry.run_id})
            self.state.tokens.update({token: key for token, key in tokens.items() if key[0] == entry.run_id})
        return answered


class BatchAnswersOnlyWhatItStored(LineFiveBrokenWorld, breaks={"OPT-006"}, only=OPT):
    """Answers ``createBatch`` with the results of the events it stored only: a refused event
    has no entry, so the results no longer line up with the request."""

    async def on_create_batch(
        self, run_id: str, events: Sequence[BatchEventRequest], params: CreateEventBatchParams | None = None
    ) -> EventBatchResult:
        found = await self.memory_events.create_batch(run_id, events, params)
        return EventBatchResult(results=[result for result in found.results if result.status == 200])


class BatchOfEventsOneByOne(LineFiveBrokenWorld, breaks={"OPT-007"}, only=OPT):
    """Refuses the types a batch cannot hold, but then writes the events one at a time: two
    events for one entity are both applied, and a refusal halfway keeps what came before."""

    async def on_create_batch(
        self, run_id: str, events: Sequence[BatchEventRequest], params: CreateEventBatchParams | None = None
    ) -> EventBatchResult:
        if any(item.event.event_type in NOT_IN_A_BATCH for item in events):
            return await self.memory_events.create_batch(run_id, events, params)
        results = []
        for item in events:
            results.extend((await self.memory_events.create_batch(run_id, [item], params)).results)
        return EventBatchResult(results=results)


class BatchChecksTheRunOnce(LineFiveBrokenWorld, breaks={"OPT-006"}, only=OPT):
    """Checks the run's status once, when the batch starts: events after a ``run_completed``
    or ``run_failed`` in the same batch still pass the terminal guard and are stored."""

    async def on_create_batch(
        self, run_id: str, events: Sequence[BatchEventRequest], params: CreateEventBatchParams | None = None
    ) -> EventBatchResult:
        ending = [
            i for i, item in enumerate(events) if item.event.event_type in ("run_completed", "run_failed")
        ]
        if not ending or ending[0] == len(events) - 1:
            return await self.memory_events.create_batch(run_id, events, params)
        check_batch([validated_request(item.event) for item in events])
        cut = ending[0] + 1
        first = await self.memory_events.create_batch(run_id, events[:cut], params)
        with self.shown_running(run_id):
            rest = await self.memory_events.create_batch(run_id, events[cut:], params)
        return EventBatchResult(results=[*first.results, *rest.results])


class BatchRefusalsAreBadRequests(LineFiveBrokenWorld, breaks={"OPT-006"}, only=OPT):
    """Reports every event a batch refuses with status 400, whatever the error: the name is
    right, the status is not the one its single create's error carries."""

    async def on_create_batch(
        self, run_id: str, events: Sequence[BatchEventRequest], params: CreateEventBatchParams | None = None
    ) -> EventBatchResult:
        found = await self.memory_events.create_batch(run_id, events, params)
        results = [
            result.model_copy(update={"status": 400}) if result.status != 200 else result
            for result in found.results
        ]
        return EventBatchResult(results=results)


class BatchStampsCommitTime(LineFiveBrokenWorld, breaks={"OPT-006"}, only=OPT):
    """Writes a batch in one transaction whose ``created_at`` column defaults to ``now()``: the
    events' ``occurredAt`` is read, validated and dropped."""

    async def on_create_batch(
        self, run_id: str, events: Sequence[BatchEventRequest], params: CreateEventBatchParams | None = None
    ) -> EventBatchResult:
        undated = [item.model_copy(update={"occurred_at": MISSING}) for item in events]
        return await self.memory_events.create_batch(run_id, undated, params)


class BatchAnswersFullEvents(LineFiveBrokenWorld, breaks={"OPT-006"}, only=OPT):
    """Takes ``params`` for its request id only: the results carry every event whole, even when
    the caller asked for ``resolveData: 'none'``."""

    async def on_create_batch(
        self, run_id: str, events: Sequence[BatchEventRequest], params: CreateEventBatchParams | None = None
    ) -> EventBatchResult:
        whole = None if params is None else params.model_copy(update={"resolve_data": MISSING})
        return await self.memory_events.create_batch(run_id, events, whole)


class BatchAnswersStepsAndWaitsOnly(LineFiveBrokenWorld, breaks={"OPT-006"}, only=OPT):
    """Builds each accepted result from the event and the step or wait it touched, the entities
    a batch usually holds: a ``run_completed`` in a batch is answered without its run."""

    async def on_create_batch(
        self, run_id: str, events: Sequence[BatchEventRequest], params: CreateEventBatchParams | None = None
    ) -> EventBatchResult:
        found = await self.memory_events.create_batch(run_id, events, params)
        results = [
            result.model_copy(update={"run": MISSING}) if result.status == 200 else result
            for result in found.results
        ]
        return EventBatchResult(results=results)


class SetAttributesThroughAttrSet(LineFiveBrokenWorld, breaks={"OPT-008"}, only=OPT):
    """Implements ``experimentalSetAttributes`` by appending an ``attr_set`` event, so the
    run's log grows with each call."""

    async def on_set_attributes(
        self, run_id: str, changes: Sequence[AttributeChange], *, allow_reserved_attributes: bool = False
    ) -> dict[str, str]:
        data = AttrSetData.model_construct(
            changes=list(changes),
            writer=WorkflowWriter(),
            allow_reserved_attributes=True if allow_reserved_attributes else MISSING,
        )
        request = AttrSetRequest.model_construct(
            event_type="attr_set", correlation_id=f"attr_{new_ulid()}", event_data=data, spec_version=MISSING
        )
        await self.memory_events.create(run_id, request)
        return dict((await self.memory_runs.get(run_id)).attributes)


class RunIdsComePrefixed(LineFiveBrokenWorld, breaks={"OPT-009"}, only=OPT):
    """Mints run ids with their ``wrun_`` prefix already on, so ``start()`` makes
    ``wrun_wrun_...``."""

    def create_run_id(self) -> str:
        return f"wrun_{super().create_run_id()}"


class MaxEventsZeroForUnlimited(LineFiveBrokenWorld, breaks={"OPT-010"}, only=OPT):
    """Answers ``maxEvents: 0`` to mean "no limit", where the runtime expects a positive
    integer."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**{"max_events": 0, **options})


def _as_4x_row(run: WorkflowRun | None) -> WorkflowRun | None:
    """The run as a row of the 4.x runs table reads: no ``encryptionPublicKey``, no ``errorCode``."""
    if run is None:
        return None
    return run.model_copy(update={"encryption_public_key": MISSING, "error_code": MISSING})


class GetManyWith4xColumns(LineFiveBrokenWorld, breaks={"OPT-003"}, only=OPT):
    """Answers ``getMany`` from one ``SELECT ... WHERE id IN (...)`` whose column list was copied
    from the 4.x list query: the runs come back without ``encryptionPublicKey`` and
    ``errorCode``, which ``runs.get`` shows."""

    async def on_get_many(
        self, run_ids: Sequence[str], *, resolve_data: ResolveData = "all"
    ) -> list[WorkflowRun | None]:
        found = await self.memory_runs.get_many(run_ids, resolve_data=resolve_data)
        return [_as_4x_row(run) for run in found]


class WaitAnswersFromTheStatusFeed(LineFiveBrokenWorld, breaks={"OPT-002"}, only=OPT):
    """``waitForTerminalStatus`` answers with the row its status-change feed delivers, a feed
    set up for 4.x runs whose payload lacks the 5.x columns: the run comes back without
    ``encryptionPublicKey`` and ``errorCode``."""

    async def on_wait_for_terminal_status(
        self, run_id: str, *, timeout_ms: float | None = None, resolve_data: ResolveData = "all"
    ) -> WorkflowRun:
        found = await self.memory_runs.wait_for_terminal_status(
            run_id, timeout_ms=timeout_ms, resolve_data=resolve_data
        )
        return cast(WorkflowRun, _as_4x_row(found))


def _bytes_as_json_writes_them(value: Any) -> Any:
    """``value`` as ``JSON.stringify`` writes it and ``JSON.parse`` reads it back: bytes inside
    objects and lists become objects of their indices."""
    if isinstance(value, bytes):
        return {str(index): byte for index, byte in enumerate(value)}
    if isinstance(value, dict):
        return {key: _bytes_as_json_writes_them(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_bytes_as_json_writes_them(item) for item in value]
    return value


class GetManyReadsContextAsJson(LineFiveBrokenWorld, breaks={"OPT-003"}, only=OPT):
    """Answers ``getMany`` from a summary table it keeps for bulk reads, where executionContext
    is a JSON column: bytes nested in it come back as objects of their indices, while
    ``runs.get`` reads the run's own row and shows them right."""

    async def on_get_many(
        self, run_ids: Sequence[str], *, resolve_data: ResolveData = "all"
    ) -> list[WorkflowRun | None]:
        found = await self.memory_runs.get_many(run_ids, resolve_data=resolve_data)
        return [
            None
            if run is None
            else run.model_copy(
                update={"execution_context": _bytes_as_json_writes_them(run.execution_context)}
            )
            for run in found
        ]


class BatchWritesPayloadsAsJson(LineFiveBrokenWorld, breaks={"OPT-006"}, only=OPT):
    """Writes a batch with one multi-row ``INSERT`` whose eventData it serialises with plain
    ``JSON.stringify``, where single creates go through its byte codec: bytes nested in a
    batched payload are stored as objects of their indices (the top-level bytes of a payload
    it still tags, so every other test passes)."""

    async def on_create_batch(
        self, run_id: str, events: Sequence[BatchEventRequest], params: CreateEventBatchParams | None = None
    ) -> EventBatchResult:
        written = []
        for item in events:
            data = getattr(item.event, "event_data", MISSING)
            payload = getattr(data, "input", MISSING)
            if isinstance(payload, dict | list):
                data = data.model_copy(update={"input": _bytes_as_json_writes_them(payload)})
                item = item.model_copy(update={"event": item.event.model_copy(update={"event_data": data})})
            written.append(item)
        return await self.memory_events.create_batch(run_id, written, params)
