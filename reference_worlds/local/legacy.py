"""Layout 1: how an older LocalWorld stored a run, written for tests and read with a fallback.

Layout 1 kept one JSON file per thing, plain JSON throughout, and every payload as JSON text::

    runs/<run>/run.json             the run; ``input``/``output`` as JSON text under
                                    ``inputJson``/``outputJson``; no ``specVersion``
    runs/<run>/events/000001.json   the events in log order; ``eventData`` as JSON text
                                    under ``eventDataJson``

``run.json`` is written last: a run exists in layout 1 once that file does. New commits of such
a run (the events §6.2 accepts on legacy runs) go to its layout-2 log, after these events.

Reading a payload, the current representation (the field itself, in tagged JSON) is used
whenever its key is present, whatever its value (``0``, ``false``, ``""``, ``null``, ``[]``,
``{}``); the JSON text is read only when that key is absent.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from reference_worlds.local.commits import Commit, Stored, logged_event
from reference_worlds.local.files import ensure_directory, write_atomically
from reference_worlds.local.layout import Layout
from worldspec.validation import parse_run
from worldspec.wire import from_tagged, to_tagged
from worldspec.wire_types import coerce_js_date

__all__ = ["read_legacy_run", "write_legacy_run"]

RUN_PAYLOADS = ("input", "output")
EVENT_PAYLOADS = ("eventData",)
RUN_FILE = "run.json"
EVENTS_DIR = "events"


def _dates_as_text(item: Any) -> Any:
    if isinstance(item, datetime):
        return item.isoformat()
    raise ValueError(f"layout 1 holds JSON only, not {type(item).__name__}")


def _plain_json(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, default=_dates_as_text, allow_nan=False, indent=indent)


def _as_layout1(document: Mapping[str, Any], payloads: tuple[str, ...]) -> bytes:
    stored = {key: value for key, value in document.items() if key not in payloads}
    for name in payloads:
        if name in document:
            stored[f"{name}Json"] = _plain_json(document[name])
    return (_plain_json(stored, indent=2) + "\n").encode("utf-8", "surrogatepass")


def write_legacy_run(layout: Layout, run: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> None:
    """Store ``run`` and its ``events`` (wire-form dicts, plain JSON) in layout 1.

    The caller holds the run's lock. Raises ``ValueError`` if the run already exists in either
    layout, or if the data is not plain JSON.
    """
    run_id = str(run["runId"])
    run_dir = layout.run_dir(run_id)
    if (run_dir / RUN_FILE).exists() or layout.run_log(run_id).exists():
        raise ValueError(f"run {run_id!r} already exists in {run_dir}")
    encoded_events = [_as_layout1(event, EVENT_PAYLOADS) for event in events]
    encoded_run = _as_layout1(run, RUN_PAYLOADS)
    ensure_directory(run_dir)
    ensure_directory(run_dir / EVENTS_DIR)
    for number, encoded in enumerate(encoded_events, start=1):
        write_atomically(run_dir / EVENTS_DIR / f"{number:06d}.json", encoded)
    write_atomically(run_dir / RUN_FILE, encoded_run)


def _current_form(stored: dict[str, Any], payloads: tuple[str, ...]) -> dict[str, Any]:
    """``stored`` (a layout-1 document) in the tagged form of layout 2."""
    current: dict[str, Any] = {}
    for key, value in stored.items():
        if key in payloads:
            current[key] = value
        elif key.endswith("Json") and key[: -len("Json")] in payloads:
            continue
        else:
            current[key] = to_tagged(value)
    for name in payloads:
        if name not in stored and f"{name}Json" in stored:
            current[name] = to_tagged(json.loads(stored[f"{name}Json"]))
    return current


def _read_document(path: Path) -> dict[str, Any]:
    document = json.loads(path.read_bytes())
    if not isinstance(document, dict):
        raise ValueError(f"{path} holds a {type(document).__name__}, not an object")
    return document


def read_legacy_run(run_dir: Path) -> Commit | None:
    """The layout-1 run in ``run_dir`` as one commit (its run and all its events), or ``None``
    when there is none. Raises ``ValueError`` for files that are not layout 1."""
    try:
        run = _current_form(_read_document(run_dir / RUN_FILE), RUN_PAYLOADS)
    except FileNotFoundError:
        return None
    events_dir = run_dir / EVENTS_DIR
    listed = os.listdir(events_dir) if events_dir.is_dir() else []
    names = sorted(n for n in listed if n.endswith(".json") and not n.startswith("."))
    try:
        events = [logged_event(_current_form(_read_document(events_dir / n), EVENT_PAYLOADS)) for n in names]
        created_ns = int(coerce_js_date(from_tagged(run["createdAt"])).timestamp() * 1_000_000_000)
        return Commit(run_id=str(run["runId"]), ns=created_ns, events=events, run=Stored(parse_run, run))
    except (KeyError, TypeError) as error:
        raise ValueError(f"{run_dir} is not a layout-1 run: {error!r}") from None
