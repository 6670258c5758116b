"""What ``resolveData: 'none'`` removes (§9, upstream ``stripEventDataRefs``).

A World may call these on every read it returns (``get``, ``list``, ``list_by_correlation_id``,
the event of ``events.create``, the preload): with ``'all'`` they return their argument
unchanged, with ``'none'`` a copy without the payloads and nothing else.
"""

from __future__ import annotations

from typing import TypeVar

from worldspec.base import WireModel
from worldspec.entities import Hook
from worldspec.events import EVENT_DATA_REF_FIELDS, Event
from worldspec.pagination import ResolveData
from worldspec.validation import parse_event

__all__ = ["strip_entity", "strip_event"]

EntityT = TypeVar("EntityT", bound=WireModel)


def strip_event(event: Event, resolve_data: ResolveData) -> Event:
    """``event`` as a read with ``resolve_data`` returns it: a copy the caller owns, without its
    payload fields when ``resolve_data`` is ``'none'``.

    Only the type's ``EVENT_DATA_REF_FIELDS`` go; every other eventData key stays. An eventData
    left empty is dropped. With ``'all'`` the copy is equal to the event.
    """
    if resolve_data != "none":
        return event.model_copy(deep=True)
    wire = event.to_wire()
    if "eventData" not in wire:
        return event.model_copy(deep=True)
    refs = EVENT_DATA_REF_FIELDS.get(event.event_type, ())
    kept = {key: value for key, value in wire.pop("eventData").items() if key not in refs}
    if kept:
        wire["eventData"] = kept
    return parse_event(wire).model_copy(deep=True)


def strip_entity(entity: EntityT, resolve_data: ResolveData) -> EntityT:
    """``entity`` as a read with ``resolve_data`` returns it: a copy the caller owns; for
    ``'none'`` a run or step without ``input``/``output``, a hook without ``metadata``."""
    if resolve_data != "none":
        return entity.model_copy(deep=True)
    dropped = ("metadata",) if isinstance(entity, Hook) else ("input", "output")
    wire = {key: value for key, value in entity.to_wire().items() if key not in dropped}
    return type(entity).model_validate(wire).model_copy(deep=True)
