"""The files the kit writes where the user said (``--world-report``, ``--world-records``, the
``--out`` of ``worldspec certify``), no pytest here.

Each path is checked before the run, so that one that cannot be written is a usage error naming
the option, not a traceback after the whole run; a report is written whole, so that a reader finds
the previous file or the new one, never half of one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["output_directory_problem", "output_file_problem", "write_whole"]


def output_file_problem(option: str, path: Path) -> str | None:
    """Why the file ``path``, given as ``option``, cannot be written, in one sentence, or ``None``
    when it can. Creates the directories it would sit in, as pytest's ``--junitxml`` does."""
    if path.is_dir():
        return f"{option} {path} is a directory; give the path of a file to write"
    return _directory_problem(option, path.parent, f"the directory of {path}")


def output_directory_problem(option: str, path: Path) -> str | None:
    """Why the directory ``path``, given as ``option``, cannot be written into, in one sentence,
    or ``None`` when it can. Creates it when it is missing."""
    if path.exists() and not path.is_dir():
        return f"{option} {path} exists and is not a directory; give a directory to write the report into"
    return _directory_problem(option, path, str(path))


def _directory_problem(option: str, directory: Path, named: str) -> str | None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as error:
        return f"{option}: cannot write into {named}: {error.strerror or error}"
    return None


def write_whole(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a file beside it renamed over ``path``: a reader, or a
    run interrupted while writing, never leaves ``path`` holding part of ``text``."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
