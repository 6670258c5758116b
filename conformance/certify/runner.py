"""Running the kit for ``worldspec certify``: a pytest subprocess, watched while it runs.

The child is ``python -m pytest --world=... --world-report=FILE --world-records=FILE``; its
terminal output goes to a scratch file (shown only when the run could not be judged), and the
records it streams (``conformance.reporting.records``) are read as they appear and handed to a
callback, for live progress.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.reporting.records import InvariantRecord

__all__ = ["KitRequest", "KitRun", "run_kit"]

_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class KitRequest:
    """What to run: the World, its raw ``--world-opt`` pairs, and the optional kit settings."""

    target: str
    option_pairs: tuple[str, ...] = ()
    known_failures: Path | None = None
    profile: str | None = None
    timeout: float | None = None
    workers: int = 1
    """pytest-xdist worker processes (``-n``); 1 runs the kit in one process."""
    spec: int | None = None
    """``--world-spec``: judge the World on the line of this spec version, not its declared one's."""
    seed: int | None = None
    """``--world-seed``: the seed of every random choice (``None``: a fresh one, printed)."""

    def kit_arguments(self) -> list[str]:
        """The plugin's options that select and configure the World (no output options)."""
        arguments = [f"--world={self.target}"]
        arguments += [f"--world-opt={pair}" for pair in self.option_pairs]
        if self.known_failures is not None:
            arguments.append(f"--world-xfail={self.known_failures}")
        if self.profile is not None:
            arguments.append(f"--world-profile={self.profile}")
        if self.timeout is not None:
            arguments.append(f"--world-timeout={self.timeout:g}")
        if self.workers > 1:
            # xdist's load distribution, scheduled by the kit (conformance.parallel)
            arguments += ["-n", str(self.workers)]
        if self.spec is not None:
            arguments.append(f"--world-spec={self.spec}")
        if self.seed is not None:
            arguments.append(f"--world-seed={self.seed}")
        return arguments


@dataclass
class KitRun:
    """What one kit run produced."""

    exit_code: int
    output: str
    """pytest's terminal output, stdout then stderr."""
    report: dict[str, Any] | None
    """The ``--world-report`` document, if the run got far enough to write it."""
    checked: dict[str, str] = field(default_factory=dict)
    """Each invariant the kit collected, by ID, with its family prefix."""
    records: dict[str, InvariantRecord] = field(default_factory=dict)
    """The record of each invariant that finished, by ID."""
    seconds: float = 0.0


def _pytest_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *arguments]


class _ProgressReader:
    """Reads the complete lines appended to the progress file since the last read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def new_messages(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with self.path.open("rb") as stream:
            stream.seek(self.offset)
            chunk = stream.read()
        complete, _, _ = chunk.rpartition(b"\n")
        if not complete:
            return []
        self.offset += len(complete) + 1
        return [json.loads(line) for line in complete.decode("utf-8").splitlines() if line.strip()]


def run_kit(request: KitRequest, on_progress: Callable[[dict[str, Any]], None]) -> KitRun:
    """Run the whole kit against ``request``'s World; each progress message goes to ``on_progress``
    as it appears. On ``KeyboardInterrupt`` the child is stopped before the interrupt propagates."""
    with tempfile.TemporaryDirectory(prefix="worldspec-certify-") as scratch:
        scratch_dir = Path(scratch)
        report_path = scratch_dir / "outcomes.json"
        progress_path = scratch_dir / "records.jsonl"
        output_path = scratch_dir / "output.txt"
        command = _pytest_command(
            *request.kit_arguments(),
            f"--world-report={report_path}",
            f"--world-records={progress_path}",
            "-q",
        )
        reader = _ProgressReader(progress_path)
        run = KitRun(exit_code=-1, output="", report=None)
        started = time.monotonic()
        with output_path.open("w") as output:
            child = subprocess.Popen(
                command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
            try:
                while child.poll() is None:
                    _dispatch(reader.new_messages(), run, on_progress)
                    time.sleep(_POLL_SECONDS)
            except KeyboardInterrupt:
                child.terminate()
                child.wait()
                raise
        _dispatch(reader.new_messages(), run, on_progress)
        run.exit_code = child.returncode
        run.seconds = round(time.monotonic() - started, 3)
        run.output = output_path.read_text(errors="replace")
        if report_path.exists():
            run.report = json.loads(report_path.read_text())
        return run


def _dispatch(
    messages: list[dict[str, Any]], run: KitRun, on_progress: Callable[[dict[str, Any]], None]
) -> None:
    for message in messages:
        if message["event"] == "collected":
            run.checked = {test["id"]: test["family"] for test in message["tests"]}
        elif message["event"] == "finished":
            record = InvariantRecord.from_json(message["record"])
            run.records[record.id] = record
            run.checked.setdefault(record.id, record.family)
        on_progress(message)
