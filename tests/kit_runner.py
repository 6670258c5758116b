"""Runs the whole kit against a World in a process of its own and returns the per-invariant
outcomes.

Our tests run the kit some 450 times, mostly on the broken Worlds. A fresh ``python -m pytest``
spends about half a second importing pytest, Hypothesis, pydantic and the kit before its first
test, which was a third of CI's time. So each run is forked from a server process that has
imported them once (``multiprocessing``'s forkserver, ``PRELOADED``): the child starts from that
state, sets the environment, working directory and output files a subprocess would have had,
and calls ``pytest.main``. Modules imported before pytest starts are not assertion-rewritten,
which pytest warns about; the kit judges through its own failure messages, not bare asserts,
so the runs ignore that warning. Where the forkserver is unavailable (Windows), or with
``WORLDSPEC_KIT_SUBPROCESS=1``, each run is a subprocess.
"""

from __future__ import annotations

import atexit
import functools
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.child_environment import child_environment
from worldspec.capabilities import Capability

REPO = Path(__file__).resolve().parent.parent

PRELOADED = ["pydantic", "pytest", "_pytest.python", "hypothesis", "worldspec.models", "conformance.plugin"]
"""What the forkserver imports once for every forked run: the bulk of a kit run's start."""

_FORKED = "forkserver" in multiprocessing.get_all_start_methods() and not os.environ.get(
    "WORLDSPEC_KIT_SUBPROCESS"
)
_IMPORTED_BEFORE_PYTEST = ("-W", "ignore::pytest.PytestAssertRewriteWarning")


def run_kit(
    target: str, *extra: str, timeout: float = 300, keep_report: Path | None = None
) -> dict[str, Any]:
    """Run ``pytest --world=target`` from the repository root; return ``{id: outcome}`` plus
    the process under the key ``"__process__"``. With ``keep_report`` the ``--world-report``
    document is written there as well."""
    with tempfile.TemporaryDirectory() as scratch:
        report = keep_report or Path(scratch) / "report.json"
        arguments = [
            f"--world={target}",
            f"--world-report={report}",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            scratch,
            *extra,
        ]
        if _FORKED:
            process = _forked_pytest(arguments, Path(scratch), timeout)
        else:
            process = subprocess.run(
                [sys.executable, "-m", "pytest", *arguments],
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=child_environment(),
            )
        outcomes: dict[str, Any] = {}
        if report.exists():
            for entry in json.loads(report.read_text())["invariants"]:
                outcomes[entry["id"]] = entry["outcome"]
        outcomes["__process__"] = process
        return outcomes


@functools.cache
def _forkserver() -> Any:
    """The forkserver context, told once what its server imports (``PRELOADED``)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED)
    return context


def _forked_pytest(arguments: list[str], scratch: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """``python -m pytest *arguments`` from the repository root, forked from the forkserver,
    as ``subprocess.run`` would have reported it; ``TimeoutExpired`` past ``timeout``."""
    arguments = [*_IMPORTED_BEFORE_PYTEST, *arguments]
    output, errors = scratch / "kit.stdout", scratch / "kit.stderr"
    child = _forkserver().Process(
        target=_run_pytest_here, args=(arguments, str(REPO), child_environment(), str(output), str(errors))
    )
    child.start()
    child.join(timeout)
    command = [sys.executable, "-m", "pytest", *arguments]
    if child.exitcode is None:
        child.kill()
        child.join()
        raise subprocess.TimeoutExpired(command, timeout, output.read_text(), errors.read_text())
    return subprocess.CompletedProcess(command, child.exitcode, output.read_text(), errors.read_text())


def _run_pytest_here(
    arguments: list[str], cwd: str, environment: dict[str, str], output: str, errors: str
) -> None:
    """In the forked child: become what ``python -m pytest`` started in ``cwd`` with
    ``environment`` would be, with its output going to the files ``output`` and ``errors``, run
    pytest, and exit with its code after the exit handlers a normal exit runs (Node processes
    are stopped by one)."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(environment)
    sys.dont_write_bytecode = "PYTHONDONTWRITEBYTECODE" in environment
    sys.pycache_prefix = environment.get("PYTHONPYCACHEPREFIX")
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    for descriptor, path in ((1, output), (2, errors)):
        opened = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(opened, descriptor)
        os.close(opened)
    import pytest

    code = int(pytest.main(arguments))
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def failed(outcomes: dict[str, Any]) -> set[str]:
    """The invariant IDs the World failed."""
    return _with_outcome(outcomes, "fail")


def warned(outcomes: dict[str, Any]) -> set[str]:
    """The SHOULD invariant IDs the World was warned about."""
    return _with_outcome(outcomes, "warn")


def _with_outcome(outcomes: dict[str, Any], wanted: str) -> set[str]:
    return {ident for ident, outcome in outcomes.items() if ident != "__process__" and outcome == wanted}


def passes_everything_it_declares(report: dict[str, Any], world: type[Any]) -> None:
    """Every invariant of the kit's ``report`` (the ``--world-report`` document) passed, or was
    skipped for a capability ``world`` does not declare: what a reference World must show
    (a certification at level full would tolerate warnings)."""
    declared = world.worldspec_capabilities
    for entry in report["invariants"]:
        assert entry["outcome"] in ("pass", "skip"), f"{entry['id']}: {entry['outcome']}: {entry['reason']}"
        if entry["outcome"] == "skip":
            assert not declared.has(Capability(entry["skipped_for"])), f"{entry['id']}: {entry['reason']}"
