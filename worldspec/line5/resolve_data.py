"""What ``resolveData: 'none'`` removes on the 5.x line (world-contract-v7.md §2.1, §9).

Events lose the fields of the line's ``EVENT_DATA_REF_FIELDS`` (which adds ``run_started.input``
and ``step_started.input`` to the 4.x table) and keep every other key; an eventData left empty
is dropped. Runs and steps lose ``input`` and ``output`` (their ``error`` stays), hooks lose
``metadata``. The copies are made as on the 4.x line (``worldspec.resolve_data``).
"""

from __future__ import annotations

from typing import TypeVar

from worldspec.base import WireModel
from worldspec.line5.entities import Hook
from worldspec.line5.events import EVENT_DATA_REF_FIELDS, Event
from worldspec.owned import owned_copy
from worldspec.pagination import ResolveData
from worldspec.resolve_data import without_event_data_refs, without_fields

__all__ = ["strip_entity", "strip_event"]

EntityT = TypeVar("EntityT", bound=WireModel)


def strip_event(event: Event, resolve_data: ResolveData) -> Event:
    """``event`` as a read with ``resolve_data`` returns it: a copy the caller owns (as on the
    4.x line), without its payload fields when ``resolve_data`` is ``'none'``, whole with
    ``'all'``. The kept values are Python values already and are not read as tagged JSON, so a
    legacy payload shaped like a tag stays what it is."""
    if resolve_data != "none":
        return owned_copy(event)
    return without_event_data_refs(event, EVENT_DATA_REF_FIELDS.get(event.event_type, ()))


def strip_entity(entity: EntityT, resolve_data: ResolveData) -> EntityT:
    """A copy the caller owns of a run, step or hook; for ``'none'`` a run or step without
    ``input``/``output``, a hook without ``metadata``."""
    if resolve_data != "none":
        return owned_copy(entity)
    return without_fields(entity, ("metadata",) if isinstance(entity, Hook) else ("input", "output"))
