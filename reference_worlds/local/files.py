"""Crash-safe file operations: atomic replace, durable append, committed-tail reads, flock.

A *log* is a file of lines, each one JSON object ending in ``\\n``. A line is committed once its
``\\n`` is on disk; bytes after the last ``\\n`` are a write torn by a crash (or one still in
progress) and are never read. The next writer, holding the file's lock, cuts them off before
it appends. Blocking calls here belong off the event loop (see ``LocalWorld``), except the
short reads.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "FileLock",
    "append_lines",
    "ensure_directory",
    "read_committed",
    "write_atomically",
]

_datasync = getattr(os, "fdatasync", os.fsync)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_all(descriptor: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(descriptor, view, offset)
        view, offset = view[written:], offset + written


def ensure_directory(directory: Path) -> None:
    """Create ``directory`` if absent and make its entry durable in its parent."""
    try:
        directory.mkdir()
    except FileExistsError:
        return
    _fsync_directory(directory.parent)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: a reader sees the old file or the new one, never a mix,
    and after return the new one survives a crash (temp file, fsync, rename, fsync of the
    directory)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(6)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        _write_all(descriptor, data, 0)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def _passing(point: str) -> None:
    return None


def append_lines(
    path: Path, committed_size: int, data: bytes, passing: Callable[[str], None] = _passing
) -> int:
    """Append ``data`` (whole lines) to the log at ``committed_size`` and make it durable.

    The caller holds the log's lock and knows its committed size; anything beyond it is a torn
    write and is cut off first. Creates the log if absent. Returns the new committed size.
    The data is written in two halves, and ``passing(point)`` is called between them
    (``line-torn``) and before the sync (``line-written``): the kill points of
    ``reference_worlds.local.faults``.
    """
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        created = True
    except FileExistsError:
        descriptor = os.open(path, os.O_WRONLY)
        created = False
    try:
        if os.fstat(descriptor).st_size != committed_size:
            os.ftruncate(descriptor, committed_size)
        half = len(data) // 2
        _write_all(descriptor, data[:half], committed_size)
        passing("line-torn")
        _write_all(descriptor, data[half:], committed_size + half)
        passing("line-written")
        _datasync(descriptor)
    finally:
        os.close(descriptor)
    if created:
        _fsync_directory(path.parent)
    return committed_size + len(data)


def read_committed(path: Path, offset: int) -> tuple[list[bytes], int]:
    """The committed lines of the log after byte ``offset`` and the offset after the last one.

    A missing log reads as empty. Cheap when nothing was appended: one ``stat``.
    """
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        return [], offset
    if size <= offset:
        return [], offset
    with open(path, "rb") as file:
        file.seek(offset)
        data = file.read(size - offset)
    end = data.rfind(b"\n")
    if end < 0:
        return [], offset
    return data[:end].split(b"\n"), offset + end + 1


class FileLock:
    """An exclusive ``flock`` on one lock file: held by one open file description at a time, so
    it excludes other processes and other ``FileLock`` objects of this one."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._descriptor: int | None = None

    def _open(self) -> int:
        return os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; never blocks."""
        descriptor = self._open()
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return False
        self._descriptor = descriptor
        return True

    def acquire(self) -> None:
        """Take the lock, waiting for its holder (blocks the calling thread)."""
        descriptor = self._open()
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        except BaseException:
            os.close(descriptor)
            raise
        self._descriptor = descriptor

    def release(self) -> None:
        """Release the lock (closing the descriptor releases the flock)."""
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None
