"""Making a World's answers comparable with the oracle's.

Two Worlds that agree still differ in what each may choose: the ids it mints, its clock, the
World-defined hook fields, whether it echoes the default specVersion, the preload. The
normalised form keeps everything the contract fixes and replaces or drops the rest:

- models become their wire form (camelCase dicts, bytes as bytes);
- run ids the World minted become the model's symbols (``run_0``), also inside other strings
  (a waitId is ``"<runId>-<correlationId>"``);
- ``eventId`` is dropped (its shape and order are EVT invariants); times become ``"<time>"``,
  except ``resumeAt`` and ``retryAfter``, which echo what the client sent;
- ``ownerId``/``projectId``/``environment`` (World-defined) and ``specVersion: 3`` (may be
  absent on returned objects) are dropped;
- a completed step's ``error`` is dropped (an earlier retry's error MAY remain, §4.3).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from worldspec.spec_version import SPEC_VERSION_CURRENT

__all__ = ["TIME", "normalised"]

TIME = "<time>"
"""What a World-chosen timestamp becomes."""

_DROPPED = frozenset({"eventId", "ownerId", "projectId", "environment"})
_ECHOED_TIMES = frozenset({"resumeAt", "retryAfter"})


def normalised(value: Any, symbols: Mapping[str, str]) -> Any:
    """``value`` in comparable form; ``symbols`` maps World-minted run ids to model symbols."""
    if isinstance(value, BaseModel):
        return normalised(value.model_dump(by_alias=True, mode="python"), symbols)
    if isinstance(value, dict):
        return _mapping(value, symbols)
    if isinstance(value, list | tuple):
        return [normalised(item, symbols) for item in value]
    if isinstance(value, datetime):
        return TIME
    if isinstance(value, str):
        for run_id, symbol in symbols.items():
            if run_id in value:
                value = value.replace(run_id, symbol)
        return value
    return value


def _mapping(value: dict[str, Any], symbols: Mapping[str, str]) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for key, item in value.items():
        if key in _DROPPED or (key == "specVersion" and item == SPEC_VERSION_CURRENT):
            continue
        if key in _ECHOED_TIMES and isinstance(item, datetime):
            shown[key] = item.isoformat(timespec="milliseconds")
            continue
        shown[key] = normalised(item, symbols)
    if shown.get("status") == "completed" and "stepId" in shown:
        shown.pop("error", None)
    return shown
