"""Broken Worlds for the spec-version and legacy invariants (LEG, §2.4 and §6)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from reference_worlds.memory import MemoryBackdoor
from tests.broken_worlds.base import BrokenWorld, LineFiveBrokenWorld, Params
from worldspec import errors
from worldspec.events import Event, EventRequest, EventResult
from worldspec.pagination import PaginatedResponse
from worldspec.spec_version import is_legacy_spec_version
from worldspec.wire_types import MISSING


class ClaimsLegacySpecVersion(BrokenWorld, breaks={"ERR-001", "LEG-001"}):
    """Reports ``specVersion`` 1, a legacy version no World implements. (A World reporting 4, the
    bug this once showed, is now refused before any invariant runs: tests/test_spec_lines.py.)"""

    spec_version = 1


class NewerRunsRefusedAsWorldErrors(BrokenWorld, breaks={"LEG-002"}):
    """Refuses events on a newer run with ``WorkflowWorldError`` instead of ``RunNotSupportedError``."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except errors.RunNotSupportedError as error:
            if run_id in self.state.runs:
                raise errors.WorkflowWorldError(str(error)) from None
            raise


class LegacyWaitCompletionLooksUpTheWait(BrokenWorld, breaks={"LEG-003"}):
    """On a legacy run, refuses ``wait_completed`` for a wait it does not know (as on a current run)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if event.event_type == "wait_completed" and run_id in self.state.runs:
            version = self.state.runs[str(run_id)][1].spec_version
            wait_id = f"{run_id}-{event.correlation_id}"
            if (
                is_legacy_spec_version(None if version is MISSING else version)
                and wait_id not in self.state.waits
            ):
                raise errors.WorkflowWorldError(f'Wait "{wait_id}" not found', status=404)
        return await super().on_create(run_id, event, params)


class LegacyCancelFlipsTheStatusOnly(BrokenWorld, breaks={"LEG-003"}):
    """Cancels a legacy run with one ``UPDATE runs SET status = 'cancelled'``: a legacy run that
    had completed or failed keeps its ``output`` or ``error`` under its new status."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        before = self.stored_run(run_id)
        result = await super().on_create(run_id, event, params)
        if before is None or event.event_type != "run_cancelled" or result.run is MISSING:
            return result
        kept = {
            field: getattr(before, field)
            for field in ("output", "error")
            if getattr(before, field, MISSING) is not MISSING
        }
        if not kept or not is_legacy_spec_version(
            None if before.spec_version is MISSING else before.spec_version
        ):
            return result
        run = result.run.model_copy(update=kept)
        self.state.put_run(run)
        return result.model_copy(update={"run": run.model_copy(deep=True)})


class LineFiveLegacyCancelFlipsTheStatusOnly(
    LegacyCancelFlipsTheStatusOnly, LineFiveBrokenWorld, breaks={"LEG-003"}
):
    """The same slip on the 5.x line, whose legacy rules (v7 §6.1) keep base §6.2's cancel."""


class LegacyCancelAnswersAnUnstoredEvent(BrokenWorld, breaks={"LEG-003"}):
    """Its legacy branch of ``run_cancelled`` updates the run and answers ``{event, run}`` with
    the event it built, but never inserts that event: the log lacks what the answer shows."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        before = self.stored_run(run_id)
        result = await super().on_create(run_id, event, params)
        if before is None or event.event_type != "run_cancelled" or result.event is MISSING:
            return result
        if is_legacy_spec_version(None if before.spec_version is MISSING else before.spec_version):
            log = self.state.events[str(run_id)]
            log[:] = [stored for stored in log if stored.event_id != result.event.event_id]
        return result


class LineFiveLegacyCancelAnswersAnUnstoredEvent(
    LegacyCancelAnswersAnUnstoredEvent, LineFiveBrokenWorld, breaks={"LEG-003"}
):
    """The same slip on the 5.x line."""


class LegacyInputAsBytes(BrokenWorld, breaks={"LEG-004", "LEG-005", "BIN-004"}):
    """Stores a spec-1 run's JSON input as UTF-8 bytes of its JSON text."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if event.event_type == "run_created" and event.spec_version == 1:
            data = event.event_data.model_copy(update={"input": json.dumps(event.event_data.input).encode()})
            event = event.model_copy(update={"event_data": data})
        return await super().on_create(run_id, event, params)


class LegacyFalsyLostOnList(BrokenWorld, breaks={"LEG-005", "LEG-006"}):
    """events.list drops falsy payloads of legacy events (``value || undefined``)."""

    async def on_list_events(self, run_id: str, **options: Any) -> PaginatedResponse[Event]:
        page = await super().on_list_events(run_id, **options)
        kept = []
        for event in page.data:
            if event.spec_version in (MISSING, 1) and event.event_data is not MISSING:
                wire = event.to_wire()
                wire["eventData"] = {k: v for k, v in wire["eventData"].items() if v or isinstance(v, bytes)}
                event = type(event).model_validate(wire)
            kept.append(event)
        return page.model_copy(update={"data": kept})


class _FalsyDroppingBackdoor(MemoryBackdoor):
    async def seed_legacy_run(self, run: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> None:
        payloads = ("input", "output", "result", "metadata", "payload")
        dropped = [
            {**event, "eventData": {k: v for k, v in event["eventData"].items() if v or k not in payloads}}
            for event in events
        ]
        await super().seed_legacy_run(run, dropped)


class LegacyColumnFallsBackOnFalsy(BrokenWorld, breaks={"LEG-006"}):
    """Data stored in the legacy form loses falsy payloads on read: the fallback tests
    truthiness instead of presence."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.worldspec_backdoor = _FalsyDroppingBackdoor(self)


class _EnvelopeKeepingBackdoor(MemoryBackdoor):
    """Reads JSON-text payloads without reviving ``{"__type": "Uint8Array", ...}`` envelopes."""

    async def seed_encoded_input(self, encoding: str, encoded: bytes) -> str:
        run_id = await super().seed_encoded_input(encoding, encoded)
        if encoding == "json-text-v1":
            runs = self._world.state.runs
            sequence, run = runs[run_id]
            runs[run_id] = (sequence, run.model_copy(update={"input": json.loads(encoded)}))
        return run_id


class JsonTextBytesLeftAsEnvelopes(BrokenWorld, breaks={"LEG-007"}):
    """Claims ``legacy_codec`` but returns world-local's Uint8Array envelopes as plain objects."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.worldspec_backdoor = _EnvelopeKeepingBackdoor(self)


class LegacyCancelReturnsOnlyTheEvent(BrokenWorld, breaks={"LEG-003"}):
    """``run_cancelled`` on a legacy run cancels it but answers with the event alone: the legacy
    path builds its result the way it builds one for ``hook_received``."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        run = self.stored_run(run_id)
        version = None if run is None or run.spec_version is MISSING else run.spec_version
        if event.event_type == "run_cancelled" and run is not None and is_legacy_spec_version(version):
            return result.model_copy(update={"run": MISSING})
        return result


class LegacyCancelLeavesHooks(BrokenWorld, breaks={"LEG-003"}):
    """``run_cancelled`` on a legacy run sets it cancelled but leaves its hooks live, their tokens
    held: the legacy path writes the run alone, and deleting hooks lives only in the
    event-sourced terminal transition it bypasses."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        run = self.stored_run(run_id)
        version = None if run is None or run.spec_version is MISSING else run.spec_version
        if event.event_type != "run_cancelled" or run is None or not is_legacy_spec_version(version):
            return await super().on_create(run_id, event, params)
        kept = [(key, entry) for key, entry in self.state.hooks.items() if entry[1].run_id == run_id]
        result = await super().on_create(run_id, event, params)
        for key, (sequence, hook) in kept:
            self.state.hooks[key] = (sequence, hook)
            self.state.tokens[hook.token] = key
        return result


def _nul_removed(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {key: _nul_removed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nul_removed(item) for item in value]
    return value


class LegacyJsonLosesNul(BrokenWorld, breaks={"LEG-004"}, only="legacy"):
    """Keeps a legacy (spec 1) run's JSON input in a PostgreSQL ``jsonb`` column, which refuses
    ``\\u0000``, and removes NUL characters from its strings so the insert goes through."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        data = getattr(event, "event_data", MISSING)
        legacy = event.spec_version is not MISSING and is_legacy_spec_version(event.spec_version)
        if event.event_type == "run_created" and legacy and data:
            stored = data.model_copy(update={"input": _nul_removed(data.input)})
            event = event.model_copy(update={"event_data": stored})
        return await super().on_create(run_id, event, params)
