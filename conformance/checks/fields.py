"""Picking wire fields out of what a World returned, so a failure shows only what a rule is about."""

from __future__ import annotations

from typing import Any

from worldspec.base import WireModel
from worldspec.wire_types import MISSING

__all__ = ["wire_fields"]


def wire_fields(value: WireModel | Any, *fields: str) -> dict[str, Any]:
    """The camelCase wire fields ``fields`` of ``value`` (``MISSING`` where absent, and for all
    of them when ``value`` is not a model at all)."""
    wire = value.to_wire() if isinstance(value, WireModel) else {}
    return {name: wire.get(name, MISSING) for name in fields}
