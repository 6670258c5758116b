"""What ``resolveData: 'none'`` removes (§9, upstream ``stripEventDataRefs``).

A World may call these on every read it returns (``get``, ``list``, ``list_by_correlation_id``,
the event of ``events.create``, the preload): they return a copy the caller owns
(``worldspec.owned``), whole with ``'all'``, without the payloads and nothing else with
``'none'``. The copy is made from the valid model, never by validating its wire form again.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeVar

from worldspec.base import WireModel
from worldspec.entities import Hook
from worldspec.events import EVENT_DATA_REF_FIELDS, Event
from worldspec.owned import owned_copy, owned_copy_replacing
from worldspec.pagination import ResolveData
from worldspec.wire_types import MISSING

__all__ = ["strip_entity", "strip_event", "without_event_data_refs", "without_fields"]

EntityT = TypeVar("EntityT", bound=WireModel)
EventT = TypeVar("EventT", bound=WireModel)


def strip_event(event: Event, resolve_data: ResolveData) -> Event:
    """``event`` as a read with ``resolve_data`` returns it: a copy the caller owns, without its
    payload fields when ``resolve_data`` is ``'none'``.

    Only the type's ``EVENT_DATA_REF_FIELDS`` go; every other eventData key stays. An eventData
    left empty is dropped. With ``'all'`` the copy is equal to the event.
    """
    if resolve_data != "none":
        return owned_copy(event)
    return without_event_data_refs(event, EVENT_DATA_REF_FIELDS.get(event.event_type, ()))


def strip_entity(entity: EntityT, resolve_data: ResolveData) -> EntityT:
    """``entity`` as a read with ``resolve_data`` returns it: a copy the caller owns; for
    ``'none'`` a run or step without ``input``/``output``, a hook without ``metadata``."""
    if resolve_data != "none":
        return owned_copy(entity)
    return without_fields(entity, ("metadata",) if isinstance(entity, Hook) else ("input", "output"))


def without_event_data_refs(event: EventT, ref_fields: Collection[str]) -> EventT:
    """An owned copy of ``event`` whose eventData lacks the wire keys ``ref_fields``, and is
    dropped when nothing is left in it: equal to loading the event's wire form with those keys
    removed. Shared by both lines, each passing its own table's entry for the event's type."""
    data: Any = getattr(event, "event_data", MISSING)
    if data is MISSING:
        return owned_copy(event)
    kept = without_fields(data, ref_fields)
    return owned_copy_replacing(event, {"event_data": kept if kept.to_wire() else MISSING})


def without_fields(model: EntityT, wire_keys: Collection[str]) -> EntityT:
    """An owned copy of ``model`` without the fields whose wire keys are ``wire_keys``; keys the
    model has no field for are ignored."""
    names = [name for name, info in type(model).model_fields.items() if (info.alias or name) in wire_keys]
    return owned_copy_replacing(model, dict.fromkeys(names, MISSING))
