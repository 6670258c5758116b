"""Broken Worlds for the capabilities of the 5.x line that keep or drop data past a run's end:
zero retention (RET-001..RET-004), hook retention (HRET-001..HRET-006) and resume dedup
(DEDUP-001..DEDUP-003). Each declares the capability, as the memory World does, and gets one part
of it wrong the way a storage backend plausibly would."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from typing import Any

from reference_worlds.memory_line5 import HOOK_RETENTION_LIMIT
from tests.broken_worlds.base import LineFiveBrokenWorld, Params
from worldspec.entities import TERMINAL_RUN_STATUSES, Hook
from worldspec.errors import EntityConflictError, WorkflowWorldError
from worldspec.events import Event, EventRequest, EventResult
from worldspec.pagination import PaginatedResponse
from worldspec.wire_types import MISSING

_RUN_ENDINGS = frozenset({"run_completed", "run_failed", "run_cancelled"})


def _resume_id(params: Params) -> Any:
    return MISSING if params is None else getattr(params, "resume_id", MISSING)


class PurgeKeepsRunError(LineFiveBrokenWorld, breaks={"RET-001"}):
    """Purges a zero-retention run's input and output at its end but has no purge for the
    ``error`` column, so a failed run keeps its error."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type != "run_failed" or result.run is MISSING or result.run.expired_at is MISSING:
            return result
        run = self.patch_stored_run(result.run.run_id, error=event.event_data.error)  # type: ignore[union-attr]
        return result.model_copy(update={"run": run.model_copy(deep=True)})


class PurgeForgetsSteps(LineFiveBrokenWorld, breaks={"RET-002"}):
    """Purges a zero-retention run and its events, but the steps table is left out of the purge:
    its steps keep their input, output and error."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if event.event_type not in _RUN_ENDINGS:
            return await super().on_create(run_id, event, params)
        steps = {key: entry for key, entry in self.state.steps.items() if key[0] == run_id}
        result = await super().on_create(run_id, event, params)
        if result.run is not MISSING and result.run.expired_at is not MISSING:
            self.state.steps.update(steps)
        return result


def _numerically_zero(value: object) -> bool:
    try:
        return isinstance(value, str) and float(value) == 0
    except ValueError:
        return False


class PurgesAnyZeroLikeRetention(LineFiveBrokenWorld, breaks={"RET-003"}):
    """Reads ``$retention`` as a number (``Number(value) === 0``), so ``' 0 '``, ``'0.0'``, ``'00'``
    and ``'-0'`` purge the run as ``'0'`` does."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        run = self.stored_run(run_id)
        value = None if run is None else (run.attributes or {}).get("$retention")
        if event.event_type not in _RUN_ENDINGS or value == "0" or not _numerically_zero(value):
            return await super().on_create(run_id, event, params)
        assert run is not None
        self.patch_stored_run(run.run_id, attributes={**run.attributes, "$retention": "0"})
        try:
            result = await super().on_create(run_id, event, params)
        finally:
            ended = self.patch_stored_run(run.run_id, attributes=run.attributes)
        return (
            result.model_copy(update={"run": ended.model_copy(deep=True)})
            if result.run is not MISSING
            else result
        )


class PurgeLeavesStreams(LineFiveBrokenWorld, breaks={"RET-004"}):
    """Purges a zero-retention run's rows, but its streams live in a store the purge never
    reaches: they still read their chunks."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def left_alone(run_id: str) -> None:
            return None

        self._streams.purge_run = left_alone  # type: ignore[method-assign]


class ListsOnlyLiveRunsHooks(LineFiveBrokenWorld, breaks={"HRET-001"}):
    """``hooks.list`` joins the runs that are still live, so it omits retained hooks that
    ``get`` and ``getByToken`` still return."""

    async def on_list_hooks(self, **options: Any) -> PaginatedResponse[Hook]:
        listed = await super().on_list_hooks(**options)
        live = []
        for hook in listed.data:
            run = self.stored_run(hook.run_id)
            if run is not None and run.status not in TERMINAL_RUN_STATUSES:
                live.append(hook)
        return listed.model_copy(update={"data": live})


class TokensHeldByLiveRunsOnly(LineFiveBrokenWorld, breaks={"HRET-002"}):
    """Its token index counts only hooks of live runs: a retained hook's token is handed to the
    next ``hook_created`` that asks for it."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if event.event_type == "hook_created":
            token = event.event_data.token  # type: ignore[union-attr]
            key = self.state.tokens.get(token)
            holder = None if key is None else self.stored_run(key[0])
            if holder is not None and holder.status in TERMINAL_RUN_STATUSES:
                del self.state.tokens[token]
        return await super().on_create(run_id, event, params)


class RetentionMeasuredFromTheEnd(LineFiveBrokenWorld, breaks={"HRET-003"}):
    """Decides whether a hook is retained by comparing ``tokenRetentionUntil`` with its run's
    ``completedAt`` rather than with now, so a retained hook never goes."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        state = self.state

        def is_held(hook: Hook, now: datetime) -> bool:
            found = state.runs.get(hook.run_id)
            if found is None:
                return False
            run = found[1]
            if run.status not in TERMINAL_RUN_STATUSES:
                return True
            until = hook.token_retention_until
            return until is not MISSING and run.completed_at is not MISSING and until > run.completed_at

        state.is_held = is_held  # type: ignore[method-assign]


class ExpiredHooksSweptByReads(LineFiveBrokenWorld, breaks={"HRET-003"}):
    """Lets a retained hook go when a read meets it expired (the reads filter and delete), but
    its token index only forgets deleted hooks: a ``hook_created`` that comes before any read
    finds the token held and logs a ``hook_conflict``."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if event.event_type != "hook_created":
            return await super().on_create(run_id, event, params)
        state = self.state
        swept_on_read = state.is_held
        state.is_held = lambda hook, now: hook.run_id in state.runs  # type: ignore[method-assign]
        try:
            return await super().on_create(run_id, event, params)
        finally:
            state.is_held = swept_on_read  # type: ignore[method-assign]


class DisposalOfRetainedHookKeepsIt(LineFiveBrokenWorld, breaks={"HRET-004"}):
    """Logs ``hook_disposed`` on a retained hook, but its delete only looks at live runs' hooks:
    the hook and its token stay."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        run = self.stored_run(run_id)
        if event.event_type != "hook_disposed" or run is None or run.status not in TERMINAL_RUN_STATUSES:
            return await super().on_create(run_id, event, params)
        key = (run.run_id, event.correlation_id)  # type: ignore[union-attr]
        hook = self.state.hooks.get(key)
        result = await super().on_create(run_id, event, params)
        if hook is not None:
            self.state.hooks[key] = hook
            self.state.tokens[hook[1].token] = key
        return result


class RetentionEndsLiveHooks(LineFiveBrokenWorld, breaks={"HRET-005"}):
    """Frees a hook's token once ``tokenRetentionUntil`` has passed, whether or not its run has
    ended."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        state = self.state
        held = state.is_held

        def is_held(hook: Hook, now: datetime) -> bool:
            until = hook.token_retention_until
            if until is not MISSING and until <= now:
                return False
            return held(hook, now)

        state.is_held = is_held  # type: ignore[method-assign]


class CapCheckedAfterTheWrite(LineFiveBrokenWorld, breaks={"HRET-006"}):
    """Checks the retention cap after the insert: the hook (its retention cut to the cap) and its
    event are stored, then the call raises the 400."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        until = getattr(getattr(event, "event_data", None), "token_retention_until", MISSING)
        if (
            event.event_type != "hook_created"
            or until is MISSING
            or until - self.clock() <= HOOK_RETENTION_LIMIT
        ):
            return await super().on_create(run_id, event, params)
        capped = self.clock() + HOOK_RETENTION_LIMIT
        data = event.event_data.model_copy(update={"token_retention_until": capped})  # type: ignore[union-attr]
        await super().on_create(run_id, event.model_copy(update={"event_data": data}), params)
        raise WorkflowWorldError("tokenRetentionUntil is beyond the retention limit", status=400)


class ResumeDedupByReadThenWrite(LineFiveBrokenWorld, breaks={"DEDUP-001"}):
    """Looks the ``resumeId`` up, then writes in another transaction without a unique index:
    writers that race past the look-up each log their own ``hook_received``."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        resume_id = _resume_id(params)
        if event.event_type != "hook_received" or resume_id is MISSING:
            return await super().on_create(run_id, event, params)
        key = (str(run_id), str(resume_id))
        seen = self.state.resume_claims.get(key)
        await asyncio.sleep(0.01)
        if seen is None:
            self.state.resume_claims.pop(key, None)
        return await super().on_create(run_id, event, params)


class ResumeDigestStoredAsEmpty(LineFiveBrokenWorld, breaks={"DEDUP-001"}):
    """Stores a resume claim's digest in a NOT NULL column, as ``''`` when the first writer sent
    none, and compares it with ``!=``: a repeat that carries a digest is taken for another
    payload and refused with ``EntityConflictError``."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        resume_id = _resume_id(params)
        if event.event_type == "hook_received" and resume_id is not MISSING:
            claim = self.state.resume_claims.get((str(run_id), str(resume_id)))
            digest = getattr(params, "resume_payload_digest", MISSING)
            if claim is not None and digest is not MISSING and (claim.payload_digest or "") != digest:
                raise EntityConflictError(f"resumeId {resume_id} is recorded with another payload")
        return await super().on_create(run_id, event, params)


class GetOmitsResumeId(LineFiveBrokenWorld, breaks={"DEDUP-002"}):
    """``events.get`` selects the columns the 4.x line had, so the event it returns lacks
    ``resumeId`` (``events.list`` shows it)."""

    async def on_get_event(self, run_id: str, event_id: str, **options: Any) -> Event:
        found = await super().on_get_event(run_id, event_id, **options)
        return found.model_copy(update={"resume_id": MISSING}) if hasattr(found, "resume_id") else found


class CorrelationListingOmitsResumeId(LineFiveBrokenWorld, breaks={"DEDUP-002"}):
    """Its ``listByCorrelationId`` is a query of its own, written before resume dedup, and does
    not select ``resumeId``: the hook's events listed by correlation lack it (``events.list``
    and ``events.get`` show it)."""

    async def on_list_by_correlation_id(
        self, correlation_id: str, **options: Any
    ) -> PaginatedResponse[Event]:
        found = await super().on_list_by_correlation_id(correlation_id, **options)
        older = [event.model_copy(update={"resume_id": MISSING}) for event in found.data]
        return found.model_copy(update={"data": older})


class ResumeIdAloneDeduplicates(LineFiveBrokenWorld, breaks={"DEDUP-003"}):
    """Deduplicates on ``resumeId`` alone: a known one answers with its recorded event whatever
    hook or payload digest the new call names."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        resume_id = _resume_id(params)
        claim = self.state.resume_claims.get((str(run_id), str(resume_id)))
        if event.event_type != "hook_received" or resume_id is MISSING or claim is None:
            return await super().on_create(run_id, event, params)
        same = event.model_copy(update={"correlation_id": claim.hook_id})
        assert params is not None
        with contextlib.suppress(AttributeError):
            params = params.model_copy(update={"resume_payload_digest": claim.payload_digest or MISSING})
        return await super().on_create(run_id, same, params)


class ResumeIdUniqueAcrossRuns(LineFiveBrokenWorld, breaks={"DEDUP-001"}):
    """Keeps resume claims under a unique index on ``resumeId`` alone, not ``(runId,
    resumeId)``: a resumeId already claimed in one run is refused in every other run."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        resume_id = _resume_id(params)
        if event.event_type == "hook_received" and resume_id is not MISSING:
            owners = {
                claimed_run for claimed_run, claimed in self.state.resume_claims if claimed == resume_id
            }
            if owners - {str(run_id)}:
                raise EntityConflictError(f"resumeId {resume_id} is already claimed")
        return await super().on_create(run_id, event, params)


class PurgeTakesTheAttributes(LineFiveBrokenWorld, breaks={"RET-001"}):
    """Purges a zero-retention run by clearing every user column, attributes included: the
    ended run reads with ``attributes: {}``."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type not in _RUN_ENDINGS or result.run is MISSING or result.run.expired_at is MISSING:
            return result
        run = self.patch_stored_run(result.run.run_id, attributes={})
        return result.model_copy(update={"run": run.model_copy(deep=True)})


class RetentionKeyFoundCaseBlind(LineFiveBrokenWorld, breaks={"RET-003"}):
    """Reads the run's retention with a case-blind key lookup (a case-insensitive collation):
    ``$Retention: '0'`` purges the run as ``$retention: '0'`` does."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        run = self.stored_run(run_id)
        if event.event_type not in _RUN_ENDINGS or run is None or "$retention" in run.attributes:
            return await super().on_create(run_id, event, params)
        blind = {key.lower(): value for key, value in run.attributes.items()}
        if "$retention" not in blind:
            return await super().on_create(run_id, event, params)
        self.patch_stored_run(str(run_id), attributes={**run.attributes, "$retention": blind["$retention"]})
        try:
            result = await super().on_create(run_id, event, params)
        finally:
            self.patch_stored_run(str(run_id), attributes=run.attributes)
        if result.run is MISSING:
            return result
        return result.model_copy(update={"run": result.run.model_copy(update={"attributes": run.attributes})})


class RetentionExpiresOnWholeSeconds(LineFiveBrokenWorld, breaks={"HRET-001"}):
    """Lets a retained hook's keys expire with ``EXPIREAT key Math.floor(until / 1000)``: Redis
    takes whole seconds there, so a hook goes up to a second before its ``tokenRetentionUntil``."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        state = self.state
        held_by_the_rule = state.is_held

        def is_held(hook: Hook, now: datetime) -> bool:
            found = state.runs.get(hook.run_id)
            if found is not None and found[1].status not in TERMINAL_RUN_STATUSES:
                return held_by_the_rule(hook, now)
            until = hook.token_retention_until
            return until is not MISSING and until.replace(microsecond=0) > now

        state.is_held = is_held  # type: ignore[method-assign]


class PurgeDropsTheRetainedHooksExpiry(LineFiveBrokenWorld, breaks={"HRET-003"}):
    """Keeps each retained hook under a key that expires at its ``tokenRetentionUntil``, but the
    zero-retention purge at its run's end rewrites the hook without its metadata with a plain
    ``SET`` (no ``KEEPTTL``), which drops the expiry: a retained hook of a purged run never
    goes, and its token is never free again."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.expiry_dropped: set[tuple[str, str]] = set()
        state = self.state
        held_by_the_rule = state.is_held

        def is_held(hook: Hook, now: datetime) -> bool:
            return (hook.run_id, hook.hook_id) in self.expiry_dropped or held_by_the_rule(hook, now)

        state.is_held = is_held  # type: ignore[method-assign]

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        run = self.stored_run(run_id)
        if run is not None and run.status in TERMINAL_RUN_STATUSES and run.expired_at is not MISSING:
            self.expiry_dropped |= {key for key in self.state.hooks if key[0] == run.run_id}
        return result
