"""Broken Worlds for run attributes (ATTR, world-contract-v7.md §4.7)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from reference_worlds.rules_line5 import runs as run_rules
from tests.broken_worlds.base import LineFiveBrokenWorld, Params
from worldspec import errors
from worldspec.events import EventRequest, EventResult
from worldspec.line5 import events as line5_events
from worldspec.line5.attributes import (
    ATTRIBUTE_EVENT_DATA_MAX_BYTES,
    ATTRIBUTE_KEY_MAX_LENGTH,
    ATTRIBUTE_MAX_PER_RUN,
    attribute_event_data_size,
)
from worldspec.line5.errors import AttributeValidationError
from worldspec.line5.js_strings import utf8_length
from worldspec.wire_types import MISSING


def _is_attr_set(event: EventRequest) -> bool:
    return str(event.event_type) == "attr_set"


_VALIDATE_CHANGES = run_rules.validate_attribute_changes
"""The reference rules' check of an ``attr_set``'s changes, as its module defines it."""


@contextmanager
def _changes_validated_by(check: Callable[..., None]) -> Iterator[None]:
    """Within the block the reference rules check an ``attr_set``'s changes with ``check``;
    after it with their own check again (never with another block's ``check``, should the
    blocks of concurrent creates overlap)."""
    run_rules.validate_attribute_changes = check
    try:
        yield
    finally:
        run_rules.validate_attribute_changes = _VALIDATE_CHANGES


def _reserved_allowed(changes: Any, existing: Any = (), *, allow_reserved: bool = False) -> None:
    _VALIDATE_CHANGES(changes, existing, allow_reserved=True)


def _without_the_runs_keys(changes: Any, existing: Any = (), *, allow_reserved: bool = False) -> None:
    _VALIDATE_CHANGES(changes, (), allow_reserved=allow_reserved)


class CreatedAttributesNotOnRun(
    LineFiveBrokenWorld, breaks={"ATTR-001", "ATTR-002", "ATTR-004", "RUN-101", "OPT-008"}
):
    """Logs ``run_created``'s attributes but starts every run with none (the column is filled
    only by ``attr_set``)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type != "run_created" or result.run is MISSING:
            return result
        run = self.patch_stored_run(result.run.run_id, attributes={})
        return result.model_copy(update={"run": run.model_copy(deep=True)})


class AttrSetReplacesAttributes(LineFiveBrokenWorld, breaks={"ATTR-002", "ATTR-003", "ATTR-005"}):
    """``attr_set`` replaces the run's attributes with the changes it carries, dropping the keys
    it does not name."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if not _is_attr_set(event) or result.run is MISSING:
            return result
        data: dict[str, Any] = json.loads(json.dumps(event.to_wire()["eventData"]))
        named = {change["key"] for change in data["changes"]}
        kept = {key: value for key, value in result.run.attributes.items() if key in named}
        run = self.patch_stored_run(result.run.run_id, attributes=kept)
        return result.model_copy(update={"run": run.model_copy(deep=True)})


class ReservedKeysAlwaysAllowed(LineFiveBrokenWorld, breaks={"ATTR-004"}):
    """Validates every ``attr_set`` as if it carried ``allowReservedAttributes: true`` (an
    internal default leaking to clients); the stored event is as sent."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if not _is_attr_set(event):
            return await super().on_create(run_id, event, params)
        with _changes_validated_by(_reserved_allowed):
            return await super().on_create(run_id, event, params)


class InvalidAttributesDropped(LineFiveBrokenWorld, breaks={"ATTR-004", "ATTR-005", "ATTR-009"}):
    """Answers an ``attr_set`` whose changes are invalid with the run as it is, dropping the
    write silently instead of refusing it."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except errors.WorkflowError as error:
            invalid = error.name == "AttributeValidationError" or getattr(error, "status", None) == 400
            run = self.stored_run(run_id)
            if not (_is_attr_set(event) and invalid and run is not None):
                raise
            return line5_events.EventResult(run=run.model_copy(deep=True))  # type: ignore[return-value]


class WorkflowAttrSetNotDeduplicated(LineFiveBrokenWorld, breaks={"ATTR-006"}):
    """Appends every workflow ``attr_set``, its correlationId notwithstanding."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if _is_attr_set(event):
            self.state.attribute_ids.clear()
        return await super().on_create(run_id, event, params)


class StepAttrSetDeduplicated(LineFiveBrokenWorld, breaks={"ATTR-007"}):
    """Drops an ``attr_set`` from a step that repeats one already logged (same step, attempt
    and changes), as if a step's writes were retries."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if _is_attr_set(event) and run_id is not None:
            data = event.to_wire()["eventData"]
            if data["writer"]["type"] == "step":
                logged = [stored.to_wire().get("eventData") for stored in self.state.events.get(run_id, [])]
                run = self.stored_run(run_id)
                if data in logged and run is not None:
                    return line5_events.EventResult(run=run.model_copy(deep=True))  # type: ignore[return-value]
        return await super().on_create(run_id, event, params)


class AttrSetOnEndedRuns(LineFiveBrokenWorld, breaks={"ATTR-008"}):
    """Applies ``attr_set`` to runs that have ended (the terminal guard forgets it)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if not _is_attr_set(event):
            return await super().on_create(run_id, event, params)
        with self.shown_running(run_id):
            return await super().on_create(run_id, event, params)


class RefusedAttrSetUsesItsId(LineFiveBrokenWorld, breaks={"ATTR-009"}):
    """Records a workflow ``attr_set``'s correlationId before validating its changes, so a
    refused write still uses the id up."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except errors.WorkflowError:
            cid = getattr(event, "correlation_id", MISSING)
            if _is_attr_set(event) and run_id is not None and cid is not MISSING:
                self.state.attribute_ids.add((run_id, str(cid)))
            raise


class AttrSetCapIncludesTheLimit(LineFiveBrokenWorld, breaks={"ATTR-002"}):
    """Enforces the 8192-byte cap on ``attr_set`` eventData with ``>=`` where ``>`` was meant:
    an ``attr_set`` of exactly 8192 bytes is refused with 400."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if _is_attr_set(event):
            size = attribute_event_data_size(event.to_wire()["eventData"])
            if size >= ATTRIBUTE_EVENT_DATA_MAX_BYTES:
                raise errors.WorkflowWorldError(f"attr_set eventData is {size} bytes, too large", status=400)
        return await super().on_create(run_id, event, params)


class AttributeCapCountsTheRequestOnly(LineFiveBrokenWorld, breaks={"ATTR-005"}):
    """Checks the 64-key cap against the keys an ``attr_set`` names, not against the run's keys
    merged with them: a run can grow past 64 attributes a few at a time."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if not _is_attr_set(event):
            return await super().on_create(run_id, event, params)
        with _changes_validated_by(_without_the_runs_keys):
            return await super().on_create(run_id, event, params)


class StepWritesDeduplicatedByCorrelationId(LineFiveBrokenWorld, breaks={"ATTR-007"}):
    """Deduplicates every ``attr_set`` that carries a correlationId, whatever its writer: a step
    that repeats one is refused with ``EntityConflictError``."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        correlation = getattr(event, "correlation_id", MISSING)
        if _is_attr_set(event) and correlation is not MISSING and run_id is not None:
            logged = self.state.events.get(run_id, [])
            if any(str(e.event_type) == "attr_set" and e.correlation_id == correlation for e in logged):
                raise errors.EntityConflictError(f"attr_set {correlation} is already in run {run_id}")
        return await super().on_create(run_id, event, params)


FRAMEWORK_KEYS = frozenset({"$rootRunId", "$parentRunId", "$retention"})
"""The reserved keys the framework itself writes."""


def _framework_keys_only(changes: Any, existing: Any = (), *, allow_reserved: bool = False) -> None:
    if not allow_reserved and any(change.key in FRAMEWORK_KEYS for change in changes):
        raise AttributeValidationError("framework attributes need allowReservedAttributes")
    _VALIDATE_CHANGES(changes, existing, allow_reserved=True)


def _removals_make_room(changes: Any, existing: Any = (), *, allow_reserved: bool = False) -> None:
    _VALIDATE_CHANGES(changes, (), allow_reserved=allow_reserved)
    held = set(existing)
    added = sum(1 for change in changes if change.value is not None and change.key not in held)
    removed = sum(1 for change in changes if change.value is None)
    if len(held) + added - removed > ATTRIBUTE_MAX_PER_RUN:
        raise AttributeValidationError(f"more than {ATTRIBUTE_MAX_PER_RUN} attributes")


def _keys_measured_in_bytes(changes: Any, existing: Any = (), *, allow_reserved: bool = False) -> None:
    if any(utf8_length(change.key) > ATTRIBUTE_KEY_MAX_LENGTH for change in changes):
        raise AttributeValidationError(f"an attribute key has more than {ATTRIBUTE_KEY_MAX_LENGTH} bytes")
    _VALIDATE_CHANGES(changes, existing, allow_reserved=allow_reserved)


def _unchecked(changes: Any, existing: Any = (), *, allow_reserved: bool = False) -> None:
    return None


class _ValidatesWith(LineFiveBrokenWorld):
    """Checks attributes (of ``run_created``, a resilient start and ``attr_set``) with ``check``."""

    check: ClassVar[Callable[..., None]]

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        with _changes_validated_by(type(self).check):
            return await super().on_create(run_id, event, params)


class ReservedMeansFrameworkKeys(_ValidatesWith, breaks={"ATTR-004"}):
    """Refuses only the framework's own ``$`` keys without ``allowReservedAttributes``: any
    other ``$``-prefixed key passes."""

    check = staticmethod(_framework_keys_only)


class RemovalsMakeRoom(_ValidatesWith, breaks={"ATTR-005"}):
    """Counts the keys after an ``attr_set`` as held + added - removed, so removing a key the
    run does not have makes room for a 65th."""

    check = staticmethod(_removals_make_room)


class KeyLengthInBytes(_ValidatesWith, breaks={"ATTR-002"}):
    """Measures an attribute key in UTF-8 bytes (a ``VARCHAR(256)`` byte column) instead of
    UTF-16 units: a key of 256 accented letters is refused."""

    check = staticmethod(_keys_measured_in_bytes)


class RunCreatedAttributesUnchecked(LineFiveBrokenWorld, breaks={"ATTR-004", "ATTR-005"}):
    """Validates attributes on ``attr_set`` only: ``run_created`` stores whatever it carries
    (reserved keys, empty keys, 65 keys)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if event.event_type != "run_created":
            return await super().on_create(run_id, event, params)
        with _changes_validated_by(_unchecked):
            return await super().on_create(run_id, event, params)


class EmptyValueRemovesTheKey(LineFiveBrokenWorld, breaks={"ATTR-002"}):
    """Merges with ``if value: set else: delete``, so an ``attr_set`` to the empty string
    removes the key instead of storing ``''``."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if not _is_attr_set(event) or result.run is MISSING:
            return result
        changes = event.to_wire()["eventData"]["changes"]
        emptied = {change["key"] for change in changes if change["value"] == ""}
        if not emptied:
            return result
        kept = {key: value for key, value in result.run.attributes.items() if key not in emptied}
        run = self.patch_stored_run(result.run.run_id, attributes=kept)
        return result.model_copy(update={"run": run.model_copy(deep=True)})


class AttrSetGuardKnowsOnlyCompleted(LineFiveBrokenWorld, breaks={"ATTR-008"}):
    """Refuses ``attr_set`` on a run whose status is ``completed`` only: failed and cancelled
    runs still take attribute writes."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        run = self.stored_run(run_id)
        if not (_is_attr_set(event) and run is not None and run.status in ("failed", "cancelled")):
            return await super().on_create(run_id, event, params)
        with self.shown_running(run_id):
            return await super().on_create(run_id, event, params)


SUPPORTS_ATTRIBUTES = 4
"""``SPEC_VERSION_SUPPORTS_ATTRIBUTES``: the version upstream's table first names attributes at."""


class AttributesOnlyFromSpecFour(LineFiveBrokenWorld, breaks={"ATTR-001", "ATTR-002"}):
    """Reads upstream's version table as a gate: a run created below spec 4 gets no attributes
    (they are dropped from its ``run_created``), and ``attr_set`` on such a run is refused as
    a bad request, although attributes apply to runs of every version."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        version = event.spec_version
        if event.event_type == "run_created" and isinstance(version, int) and version < SUPPORTS_ATTRIBUTES:
            data = event.event_data.model_copy(update={"attributes": MISSING})
            event = event.model_copy(update={"event_data": data})
        stored = self.stored_run(run_id)
        stored_version = stored.spec_version if stored is not None else None
        older = isinstance(stored_version, int) and stored_version < SUPPORTS_ATTRIBUTES
        if str(event.event_type) == "attr_set" and older:
            raise errors.WorkflowWorldError("attributes need a run at spec version 4 or later", status=400)
        return await super().on_create(run_id, event, params)


def _trimmed(text: str | None) -> str | None:
    return None if text is None else text.strip()


class TrimsAttributes(LineFiveBrokenWorld, breaks={"ATTR-002"}):
    """Cleans attribute keys and values with ``trim()`` before it stores them, as it would form
    input: a key or value with surrounding whitespace comes back without it."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        data = getattr(event, "event_data", MISSING)
        changes = getattr(data, "changes", MISSING)
        if changes is not MISSING:
            cleaned = [
                change.model_copy(update={"key": change.key.strip(), "value": _trimmed(change.value)})
                for change in changes
            ]
            event = event.model_copy(update={"event_data": data.model_copy(update={"changes": cleaned})})
        return await super().on_create(run_id, event, params)


class AttrSetReadModifyWrite(LineFiveBrokenWorld, breaks={"ATTR-003"}):
    """Merges an ``attr_set`` into the run document it read before its write (``findOne``, merge
    in code, ``replaceOne``, no version check): step writers' ``attr_set`` overlapping on one
    run keep only the last one's keys, though every one is logged."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if str(event.event_type) != "attr_set" or not run_id:
            return await super().on_create(run_id, event, params)
        read = self.stored_run(run_id)
        merged = dict(read.attributes) if read is not None and read.attributes is not MISSING else {}
        await asyncio.sleep(0)
        result = await super().on_create(run_id, event, params)
        for change in event.event_data.changes:  # type: ignore[union-attr]
            if change.value is None:
                merged.pop(change.key, None)
            else:
                merged[change.key] = change.value
        run = self.patch_stored_run(run_id, attributes=merged)
        return result.model_copy(update={"run": run}) if result.run is not MISSING else result
