"""Copies a caller owns (COPY-001): what a World hands out shares nothing the caller can change.

``owned_copy`` makes a new object of every dict, list and model inside a value and shares its
immutable leaves (``str``, ``int``, ``float``, ``bool``, ``None``, ``bytes``, dates and times,
``Decimal``, sentinels such as ``MISSING``), which ``copy.deepcopy`` would only walk to hand back
unchanged. The copy equals the original, with the same type at every place, and models are
copied without validation (the original is valid), as ``BaseModel.__deepcopy__`` copies them.
Anything else (a tuple, a ``bytearray``, a model with private attributes, an object of another
type) is handed to ``copy.deepcopy``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Final, TypeVar, cast

from pydantic import BaseModel

from worldspec.wire_types import MISSING

__all__ = ["SHARED_LEAF_TYPES", "owned_copy", "owned_copy_replacing"]

ValueT = TypeVar("ValueT")
ModelT = TypeVar("ModelT", bound=BaseModel)

SHARED_LEAF_TYPES: Final = frozenset(
    {str, int, float, bool, type(None), bytes, datetime, date, time, timedelta, Decimal, type(MISSING)}
)
"""Exact types whose values cannot be changed in place, so a copy may share them (subclasses
may add mutable state, and are copied). ``type(MISSING)`` is ``typing_extensions.sentinel``,
which ``copy.deepcopy`` shares as well."""


def owned_copy(value: ValueT) -> ValueT:
    """A copy of ``value`` equal to it that shares no dict, list or model with it."""
    return cast(ValueT, _owned(value))


def owned_copy_replacing(model: ModelT, changes: Mapping[str, Any]) -> ModelT:
    """An owned copy of ``model`` with the fields named in ``changes`` (Python names) set to the
    values given, which the copy takes as they are. A value of ``MISSING`` leaves its field absent
    and not counted as set, as loading the wire form without that key does for a field whose
    default is ``MISSING``; ``ValueError`` for any other field or a name the model lacks."""
    fields = type(model).model_fields
    copied = _owned_model(model)
    for name, value in changes.items():
        if name not in fields or (value is MISSING and fields[name].default is not MISSING):
            raise ValueError(f"{type(model).__name__} has no field {name!r} that may be MISSING")
        copied.__dict__[name] = value
        if value is MISSING:
            copied.__pydantic_fields_set__.discard(name)
        else:
            copied.__pydantic_fields_set__.add(name)
    return copied


def _owned(value: Any) -> Any:
    kind = type(value)
    if kind in SHARED_LEAF_TYPES:
        return value
    if kind is dict:
        return _owned_values(value)
    if kind is list:
        return [item if type(item) in SHARED_LEAF_TYPES else _owned(item) for item in value]
    if isinstance(value, BaseModel) and getattr(value, "__pydantic_private__", None) is None:
        return _owned_model(value)
    return copy.deepcopy(value)


def _owned_values(mapping: dict[Any, Any]) -> dict[Any, Any]:
    """A new dict of ``mapping``'s keys and owned copies of its values (keys are hashable, so
    immutable in every dict a World holds). The leaf test is inlined: most values are leaves."""
    return {key: item if type(item) in SHARED_LEAF_TYPES else _owned(item) for key, item in mapping.items()}


_set_slot: Final = object.__setattr__
"""Sets a model's slots past its ``frozen`` guard, as pydantic's own copies do."""


def _owned_model(model: ModelT) -> ModelT:
    copied = type(model).__new__(type(model))
    extra = model.__pydantic_extra__
    _set_slot(copied, "__dict__", _owned_values(model.__dict__))
    _set_slot(copied, "__pydantic_extra__", None if extra is None else _owned_values(extra))
    _set_slot(copied, "__pydantic_fields_set__", model.__pydantic_fields_set__.copy())
    _set_slot(copied, "__pydantic_private__", None)
    return copied
