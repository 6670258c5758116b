"""Making a World's answers comparable with the oracle's.

Two Worlds that agree still differ in what each may choose: the ids it mints, its clock, the
World-defined hook fields, whether it echoes the default specVersion, the preload. The
normalised form keeps everything the contract fixes and replaces or drops the rest:

- models become their wire form (camelCase dicts, bytes as bytes);
- run ids the World minted become the model's symbols (``run_0``), also inside other strings
  (a waitId is ``"<runId>-<correlationId>"``);
- times become ``"<time>"``, except ``resumeAt`` and ``retryAfter``, which echo what the client
  sent;
- ``ownerId``/``projectId``/``environment`` (World-defined) are dropped;
- a completed step's ``error`` is dropped (an earlier retry's error MAY remain, §4.3).

On the 4.x line ``eventId`` is dropped (a ULID the World mints; its shape and order are EVT
invariants), and so is ``specVersion: 3`` (it may be absent on returned objects).

On the 5.x line (v7) the rest of what the contract leaves open is not judged either:

- ``eventId`` is kept: it is slot k of the run's log (v7 §2.6), the same on every World that
  accepted the same creates, so it is compared as it is; except on a World that declares
  ``sealed-log``, which MAY fill a refused create's position with ``noop`` (v7 §2.6 item 3),
  where it is dropped (and the driver leaves ``noop`` events out of the logs it compares);
- a ``specVersion`` of 6 or 7 becomes ``"<D>"``: the model sends none, so every one is the
  World's default D, which v7 §2.4 lets be either;
- ``attributes: {}`` and ``isSystem: false`` are dropped (absent reads as ``{}``, and MAY read
  ``false``, v7 §2.2 and §4.4), and so are a hook's read-side ``resumeContext`` and
  ``resumeCapabilities`` (optional, v7 §12).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from worldspec.lines import LINE_5_VERSIONS, SpecLine
from worldspec.spec_version import SPEC_VERSION_CURRENT

__all__ = ["DEFAULT_VERSION", "TIME", "normalised"]

TIME = "<time>"
"""What a World-chosen timestamp becomes."""

DEFAULT_VERSION = "<D>"
"""What a 5.x World's default specVersion (6 or 7) becomes."""

_DROPPED = frozenset({"ownerId", "projectId", "environment"})
_DROPPED_ON_LINE_4 = _DROPPED | {"eventId"}
_DROPPED_ON_LINE_5 = _DROPPED | {"resumeContext", "resumeCapabilities"}
_ABSENT_ON_LINE_5: Mapping[str, Any] = {"attributes": {}, "isSystem": False}
"""Values the 5.x line lets a World show or leave out."""
_ECHOED_TIMES = frozenset({"resumeAt", "retryAfter"})


def normalised(value: Any, symbols: Mapping[str, str], line: SpecLine, sealed_log: bool = False) -> Any:
    """``value`` in comparable form; ``symbols`` maps World-minted run ids to model symbols,
    ``line`` is the line the World is judged on, ``sealed_log`` whether it declares a sealed
    log (then event ids are not compared on the 5.x line either)."""
    if isinstance(value, BaseModel):
        return normalised(value.model_dump(by_alias=True, mode="python"), symbols, line, sealed_log)
    if isinstance(value, dict):
        return _mapping(value, symbols, line, sealed_log)
    if isinstance(value, list | tuple):
        return [normalised(item, symbols, line, sealed_log) for item in value]
    if isinstance(value, datetime):
        return TIME
    if isinstance(value, str):
        for run_id, symbol in symbols.items():
            if run_id in value:
                value = value.replace(run_id, symbol)
        return value
    return value


def _mapping(
    value: dict[str, Any], symbols: Mapping[str, str], line: SpecLine, sealed_log: bool
) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    on_line_5 = line is SpecLine.LINE_5
    dropped = _DROPPED_ON_LINE_5 if on_line_5 else _DROPPED_ON_LINE_4
    for key, item in value.items():
        if key in dropped or (key == "eventId" and sealed_log) or _left_open(key, item, on_line_5):
            continue
        if key == "specVersion" and on_line_5 and item in LINE_5_VERSIONS:
            shown[key] = DEFAULT_VERSION
            continue
        if key in _ECHOED_TIMES and isinstance(item, datetime):
            shown[key] = item.isoformat(timespec="milliseconds")
            continue
        shown[key] = normalised(item, symbols, line, sealed_log)
    if shown.get("status") == "completed" and "stepId" in shown:
        shown.pop("error", None)
    return shown


def _left_open(key: str, item: Any, on_line_5: bool) -> bool:
    """Whether ``key: item`` is a value the line lets a World leave out."""
    if on_line_5:
        return key in _ABSENT_ON_LINE_5 and item == _ABSENT_ON_LINE_5[key]
    return key == "specVersion" and item == SPEC_VERSION_CURRENT
