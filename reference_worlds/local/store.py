"""LocalWorld's knowledge of its data directory: run folds kept current, and the token index.

A World instance keeps one ``RunFold`` per run it has read and brings it up to date before each
use by folding in what was committed since (a single ``stat`` when nothing was). Logs are
append-only, so what was folded stays true; commits of other processes show up on the next
read. Everything here is short synchronous file I/O, run on the event loop.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from reference_worlds.local.commits import RunFold, decode_line
from reference_worlds.local.files import read_committed, write_atomically
from reference_worlds.local.layout import LOG_FILE, Layout
from reference_worlds.local.legacy import read_legacy_run
from worldspec import errors

__all__ = ["RunStore", "TokenIndex"]


class RunStore:
    """The folds of the runs under one data directory, for one World instance."""

    def __init__(self, layout: Layout) -> None:
        self._layout = layout
        self._folds: dict[str, RunFold] = {}

    def fold(self, run_id: str) -> RunFold:
        """The run's fold, current with its files; empty when the run does not exist."""
        return self._current(self._layout.run_dir(run_id))

    def all_folds(self) -> list[RunFold]:
        """The folds of every existing run, oldest created first."""
        try:
            names = os.listdir(self._layout.runs)
        except FileNotFoundError:
            names = []
        folds = [self._current(self._layout.runs / name) for name in names if not name.startswith(".")]
        existing = [fold for fold in folds if fold.run is not None]
        return sorted(existing, key=lambda fold: fold.created_order)

    def _current(self, run_dir: Path) -> RunFold:
        fold = self._folds.setdefault(run_dir.name, RunFold())
        try:
            if fold.is_empty and fold.offset == 0:
                legacy = read_legacy_run(run_dir)
                if legacy is not None:
                    fold.apply(legacy)
            lines, _ = read_committed(run_dir / LOG_FILE, fold.offset)
            for line in lines:
                fold.apply(decode_line(line))
                fold.offset += len(line) + 1
        except (OSError, ValueError) as error:
            raise errors.WorkflowWorldError(
                f"unreadable run files in {run_dir}: {error}", status=500
            ) from None
        return fold


class TokenIndex:
    """``tokens/<token>.json``: which hook holds each token, as ``{token, runId, hookId}``.

    An entry is written, durably, before the commit creating its hook, and removed after the
    commit freeing it, always under the token's lock. So an entry whose hook is not live (a
    crash between the two writes) is stale, and a stale entry means the token is free.
    """

    def __init__(self, layout: Layout) -> None:
        self._layout = layout

    def holder(self, token: str) -> tuple[str, str] | None:
        """``(runId, hookId)`` of the entry for ``token``, live or stale, or ``None``."""
        try:
            entry = json.loads(self._layout.token(token).read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            raise errors.WorkflowWorldError(f"unreadable token index entry: {error}", status=500) from None
        if entry.get("token") != token:
            return None
        return str(entry["runId"]), str(entry["hookId"])

    def reserve(self, token: str, run_id: str, hook_id: str) -> None:
        """Record that hook ``(run_id, hook_id)`` holds ``token`` (blocking: fsyncs)."""
        entry = {"token": token, "runId": run_id, "hookId": hook_id}
        text = json.dumps(entry, ensure_ascii=False, indent=2) + "\n"
        write_atomically(self._layout.token(token), text.encode("utf-8", "surrogatepass"))

    def free(self, token: str, run_id: str, hook_id: str) -> None:
        """Remove the entry for ``token`` if hook ``(run_id, hook_id)`` holds it."""
        if self.holder(token) == (run_id, hook_id):
            self._layout.token(token).unlink(missing_ok=True)
