"""Where LocalWorld keeps each thing under its data directory, and how a name becomes a file name.

Every path is ``data_dir`` joined with names made by ``file_name``, which never yields ``/``,
``.``/``..``, NUL or an empty name, so no id, token or stream name can reach outside
``data_dir``. docs/reference-worlds/local.md describes the layout for a person.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

__all__ = ["LOG_FILE", "Layout", "file_name"]

LOG_FILE = "log.jsonl"
"""A run's commit log (layout 2), in its directory."""

_READABLE = re.compile(r"[a-z][a-z0-9_]{0,30}_[0-9A-Z]{1,80}")
"""The shape of the ids the runtime mints: a lower-case prefix, ``_``, upper-case letters and
digits (``wrun_01J...``, ``step_01J...``)."""


def file_name(text: str) -> str:
    """A file name that stands for ``text`` and for no other text.

    Ids of the runtime's shape are used as they are, so a person finds ``wrun_01J...`` under its
    own name. Anything else (``/``, ``..``, NUL, quotes, mixed case, 10 KB) is named ``~`` + the
    SHA-256 of its UTF-8 bytes: ``~`` never starts a readable name, and readable names fix the
    case of every character, so no two texts share a name, even on a case-insensitive file
    system. The text itself is kept inside the files.
    """
    if _READABLE.fullmatch(text):
        return text
    return "~" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Layout:
    """The paths of one data directory (layout version 2; version 1 is in ``legacy``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.runs = root / "runs"
        self.locks = root / "locks"
        self.tokens = root / "tokens"
        self.streams = root / "streams"
        self.stream_runs = root / "stream-runs"

    def create_directories(self) -> None:
        """Make the top-level directories (idempotent; several processes may race here)."""
        for directory in (self.runs, self.locks, self.tokens, self.streams, self.stream_runs):
            directory.mkdir(parents=True, exist_ok=True)

    def run_dir(self, run_id: str) -> Path:
        """The directory of one run."""
        return self.runs / file_name(run_id)

    def run_log(self, run_id: str) -> Path:
        """The run's commit log (layout 2): one JSON object per line."""
        return self.run_dir(run_id) / LOG_FILE

    def run_lock(self, run_id: str) -> Path:
        """The lock guarding every read-modify-write of the run."""
        return self.locks / f"run-{file_name(run_id)}.lock"

    def token(self, token: str) -> Path:
        """The index entry naming the hook that holds ``token``."""
        return self.tokens / f"{file_name(token)}.json"

    def token_lock(self, token: str) -> Path:
        """The lock guarding who holds ``token``."""
        return self.locks / f"token-{file_name(token)}.lock"

    def stream_log(self, name: str) -> Path:
        """The stream's chunk log: one JSON object per line."""
        return self.streams / f"{file_name(name)}.jsonl"

    def stream_lock(self, name: str) -> Path:
        """The lock guarding appends to the stream."""
        return self.locks / f"stream-{file_name(name)}.lock"

    def streams_of_run(self, run_id: str) -> Path:
        """The names of the streams written or closed with ``run_id``, one JSON string per line."""
        return self.stream_runs / f"{file_name(run_id)}.jsonl"
