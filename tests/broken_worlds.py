"""Deliberately broken Worlds: each breaks one rule of the contract and names the invariants
the kit must fail it on (``breaks``) or, for SHOULD rules, warn about (``warns``).
tests/test_broken_worlds.py runs the whole kit against each and checks it fails and warns on
exactly those, so no invariant test is one that cannot fail.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, ClassVar

from conformance.checks import make
from reference_worlds.memory import MemoryBackdoor, MemoryWorld
from worldspec import errors
from worldspec.entities import WorkflowRun
from worldspec.events import CreateEventParams, EventRequest, EventResult
from worldspec.pagination import ResolveData
from worldspec.protocol import QueueHandler
from worldspec.queue import MessageMeta, QueuePayload, WorkflowInvokePayload, parse_queue_payload
from worldspec.wire_types import MISSING


class BrokenWorld(MemoryWorld):
    """A MemoryWorld that breaks the MUST invariants in ``breaks`` and the SHOULD invariants in
    ``warns``.

    ``may_break`` lists invariants whose tests catch the World only when timing lines up (say,
    a page boundary falling inside one millisecond); the kit may fail those or not.
    """

    breaks: ClassVar[frozenset[str]] = frozenset()
    warns: ClassVar[frozenset[str]] = frozenset()
    may_break: ClassVar[frozenset[str]] = frozenset()


def _patch_create(world: MemoryWorld, after: Any) -> None:
    """Route ``world.events.create`` through ``after(original, run_id, event, params)``."""
    original = world.events.create

    async def create(
        run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
    ) -> EventResult:
        return await after(original, run_id, event, params)  # type: ignore[no-any-return]

    world.events.create = create  # type: ignore[method-assign]


class NoPreload(BrokenWorld):
    """Returns no preload, yet does not declare Capabilities(preload=False)."""

    breaks = frozenset({"RS-006"})

    def preload(self, run_id: str, resolve_data: ResolveData) -> dict[str, Any]:
        return {}


class TruncatedPreload(BrokenWorld):
    """Preloads the first two events and says hasMore: false."""

    breaks = frozenset({"RS-006"})

    def preload(self, run_id: str, resolve_data: ResolveData) -> dict[str, Any]:
        full = super().preload(run_id, resolve_data)
        return {**full, "events": full["events"][:2], "has_more": False, "cursor": None}


class NoRunCreatedOnResilientStart(BrokenWorld):
    """Resilient start creates the run but logs only run_started."""

    breaks = frozenset({"RS-002", "RS-005", "RUN-014"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(original: Any, run_id: str | None, event: EventRequest, params: Any) -> EventResult:
            missing = run_id not in self.state.runs
            result: EventResult = await original(run_id, event, params)
            log = self.state.events.get(str(run_id), [])
            if event.event_type == "run_started" and missing and log[0].event_type == "run_created":
                del log[0]
            return result

        _patch_create(self, after)


class CreatesRunWithoutResilientData(BrokenWorld):
    """run_started without eventData on a missing run creates the run anyway."""

    breaks = frozenset({"RS-001"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(original: Any, run_id: str | None, event: EventRequest, params: Any) -> EventResult:
            resilient = getattr(event, "event_data", MISSING) is not MISSING
            if (
                event.event_type == "run_started"
                and not resilient
                and run_id
                and run_id not in self.state.runs
            ):
                await original(run_id, make.run_created(input=b""), None)
            return await original(run_id, event, params)  # type: ignore[no-any-return]

        _patch_create(self, after)


class ResilientRunAlwaysCurrentVersion(BrokenWorld):
    """Gives a resilient run specVersion 3 whatever the event says."""

    breaks = frozenset({"RS-003"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(original: Any, run_id: str | None, event: EventRequest, params: Any) -> EventResult:
            if event.event_type == "run_started" and event.event_data is not MISSING:
                event = event.model_copy(update={"spec_version": MISSING})
            return await original(run_id, event, params)  # type: ignore[no-any-return]

        _patch_create(self, after)


class ResilientDataOverwritesRun(BrokenWorld):
    """Resilient run_started data on an existing run replaces its input."""

    breaks = frozenset({"RS-004"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(original: Any, run_id: str | None, event: EventRequest, params: Any) -> EventResult:
            result: EventResult = await original(run_id, event, params)
            data = getattr(event, "event_data", MISSING)
            if event.event_type == "run_started" and data is not MISSING and run_id in self.state.runs:
                sequence, run = self.state.runs[str(run_id)]
                self.state.runs[str(run_id)] = (sequence, run.model_copy(update={"input": data.input}))
            return result

        _patch_create(self, after)


class SwallowsRunConflict(BrokenWorld):
    """A second run_created for an existing id returns the existing run instead of raising."""

    breaks = frozenset({"LIN-002", "RS-004", "RS-005", "RUN-004"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(original: Any, run_id: str | None, event: EventRequest, params: Any) -> EventResult:
            try:
                return await original(run_id, event, params)  # type: ignore[no-any-return]
            except errors.EntityConflictError:
                if event.event_type != "run_created":
                    raise
                return EventResult(run=self.state.runs[str(run_id)][1])

        _patch_create(self, after)


class StoresRunStartedEventData(BrokenWorld):
    """Stores run_started with eventData (so its preload, taken before, disagrees with its log)."""

    breaks = frozenset({"RUN-006", "RS-002", "RS-006", "EVT-006", "EVT-011"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(original: Any, run_id: str | None, event: EventRequest, params: Any) -> EventResult:
            result: EventResult = await original(run_id, event, params)
            if event.event_type == "run_started":
                log = self.state.events.get(str(run_id), [])
                for index, stored in enumerate(log):
                    if stored.event_type == "run_started":
                        wire = {**stored.to_wire(), "eventData": {"workflowName": "kept"}}
                        log[index] = type(stored).model_validate(wire)
            return result

        _patch_create(self, after)


class AppendsRunStartedTwice(BrokenWorld):
    """run_started on a running run appends another run_started."""

    breaks = frozenset({"RUN-007"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(original: Any, run_id: str | None, event: EventRequest, params: Any) -> EventResult:
            result: EventResult = await original(run_id, event, params)
            if event.event_type == "run_started" and result.event is MISSING and result.run is not MISSING:
                log = self.state.events[str(run_id)]
                duplicate = log[[e.event_type for e in log].index("run_started")]
                log.append(duplicate.model_copy(update={"event_id": f"evnt_{self.mint()}"}))
            return result

        _patch_create(self, after)


class ConflictInsteadOfExpired(BrokenWorld):
    """run_started on a terminal run raises EntityConflictError, not RunExpiredError."""

    breaks = frozenset({"RUN-008"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(original: Any, run_id: str | None, event: EventRequest, params: Any) -> EventResult:
            try:
                return await original(run_id, event, params)  # type: ignore[no-any-return]
            except errors.RunExpiredError as error:
                if event.event_type != "run_started":
                    raise
                raise errors.EntityConflictError(str(error)) from None

        _patch_create(self, after)


def _decode_base64_strings(value: Any) -> Any:
    if isinstance(value, str) and value:
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return value
    if isinstance(value, dict):
        return {key: _decode_base64_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode_base64_strings(item) for item in value]
    return value


class DecodesBase64Strings(BrokenWorld):
    """Reads every non-empty string that is valid base64 back as bytes (runs.get)."""

    breaks = frozenset({"BIN-004", "LEG-007"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        original = self.runs.get

        async def get(run_id: str, *, resolve_data: ResolveData = "all") -> WorkflowRun:
            run = await original(run_id, resolve_data=resolve_data)
            update = {
                name: _decode_base64_strings(getattr(run, name)) for name in ("input", "execution_context")
            }
            return run.model_copy(update=update)

        self.runs.get = get  # type: ignore[method-assign]


class BytesAsIntList(BrokenWorld):
    """Returns byte payloads from runs.get as lists of ints (the JSON-serialisation accident)."""

    breaks = frozenset({"BIN-001", "BIN-004", "RS-002", "RUN-005", "RUN-009", "LEG-007"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        original = self.runs.get

        def listify(value: Any) -> Any:
            if isinstance(value, bytes):
                return list(value)
            if isinstance(value, dict):
                return {key: listify(item) for key, item in value.items()}
            return value

        async def get(run_id: str, *, resolve_data: ResolveData = "all") -> WorkflowRun:
            run = await original(run_id, resolve_data=resolve_data)
            fields = ("input", "output", "execution_context")
            return run.model_copy(update={name: listify(getattr(run, name)) for name in fields})

        self.runs.get = get  # type: ignore[method-assign]


class QueueSendsBase64(BrokenWorld):
    """Delivers runInput.input base64-encoded as a string (a JSON queue without a byte codec)."""

    breaks = frozenset({"BIN-003"})

    async def create_queue_handler(self, prefix: str, handler: QueueHandler) -> None:
        async def corrupting(message: QueuePayload, meta: MessageMeta) -> Any:
            if isinstance(message, WorkflowInvokePayload) and message.run_input is not MISSING:
                wire = message.to_wire()
                wire["runInput"]["input"] = base64.b64encode(wire["runInput"]["input"]).decode()
                message = parse_queue_payload(wire)
            return await handler(message, meta)

        await super().create_queue_handler(prefix, corrupting)


class StreamReadsReversed(BrokenWorld):
    """Yields a stream's chunks in reverse order."""

    breaks = frozenset({"STRM-003", "STRM-005"})

    async def _reversed(self, name: str, start_index: int) -> AsyncIterator[bytes]:
        chunks = [chunk async for chunk in super().read_from_stream(name, start_index)]
        for chunk in reversed(chunks):
            yield chunk

    def read_from_stream(self, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        return self._reversed(name, start_index)


class LegacyInputAsBytes(BrokenWorld):
    """Stores a spec-1 run's JSON input as UTF-8 bytes of its JSON text."""

    breaks = frozenset({"LEG-004", "LEG-005", "BIN-004"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(original: Any, run_id: str | None, event: EventRequest, params: Any) -> EventResult:
            if event.event_type == "run_created" and event.spec_version == 1:
                data = event.event_data.model_copy(
                    update={"input": json.dumps(event.event_data.input).encode()}
                )
                event = event.model_copy(update={"event_data": data})
            return await original(run_id, event, params)  # type: ignore[no-any-return]

        _patch_create(self, after)


class LegacyFalsyLostOnList(BrokenWorld):
    """events.list drops falsy payloads of legacy events (``value || undefined``)."""

    breaks = frozenset({"LEG-005", "LEG-006"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        original = self.events.list

        async def listing(run_id: str, **kwargs: Any) -> Any:
            page = await original(run_id, **kwargs)
            kept = []
            for event in page.data:
                if event.spec_version in (MISSING, 1) and event.event_data is not MISSING:
                    wire = event.to_wire()
                    wire["eventData"] = {
                        k: v for k, v in wire["eventData"].items() if v or isinstance(v, bytes)
                    }
                    event = type(event).model_validate(wire)
                kept.append(event)
            return page.model_copy(update={"data": kept})

        self.events.list = listing  # type: ignore[method-assign]


class _FalsyDroppingBackdoor(MemoryBackdoor):
    async def seed_legacy_run(self, run: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> None:
        payloads = ("input", "output", "result", "metadata", "payload")
        dropped = [
            {**event, "eventData": {k: v for k, v in event["eventData"].items() if v or k not in payloads}}
            for event in events
        ]
        await super().seed_legacy_run(run, dropped)


class LegacyColumnFallsBackOnFalsy(BrokenWorld):
    """Data stored in the legacy form loses falsy payloads on read: the fallback tests
    truthiness instead of presence."""

    breaks = frozenset({"LEG-006"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.worldspec_backdoor = _FalsyDroppingBackdoor(self)
