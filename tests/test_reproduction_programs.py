"""The program a failure report prints reproduces the failure: run on its own, against the broken
World that failed, it reports the rule broken (exit status 1); the same program against the
reference World reports the rule kept (0). Sequential breaches (an expected error that is
another error, a conflict that succeeds) and a race (concurrent completions of one wait that
all succeed) are covered."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conformance.checks import values
from conformance.world.recorder import render
from tests.child_environment import child_environment
from tests.test_plugin import run_pytest

REPO = Path(__file__).resolve().parent.parent
TITLE = "worldspec: reproduce against the World directly (a program that checks the rule)"


def _printed_program(tmp_path: Path, world: str, invariant_id: str) -> str:
    result = run_pytest(tmp_path, f"--world=tests.broken_worlds:{world}", "-k", invariant_id)
    assert result.returncode == 1, result.stdout[-3000:]
    section = result.stdout.split(TITLE)[1].split("\n", 1)[1]
    return section.split("\n-----")[0].split("\n_____")[0]


def _run(program: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = child_environment(PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-c", program], cwd=cwd, capture_output=True, text=True, env=environment, timeout=60
    )


@pytest.mark.parametrize(
    ("world", "invariant_id", "breach"),
    [
        (
            "EndingMissingRunIsWorldError",
            "RUN-012",
            "raises WorkflowRunNotFoundError, but it raised WorkflowWorldError",
        ),
        ("StepCreatedOverwrites", "STEP-002", "raises EntityConflictError, but it returned"),
        (
            "WaitCompletionReadBeforeItsWrite",
            "WAIT-003",
            "(made at once) answered {'returned': 4}; the reference World answers {'returned': 1, "
            "'EntityConflictError': 3}",
        ),
    ],
)
def test_the_printed_program_reports_the_breach_and_passes_the_reference_world(
    tmp_path: Path, world: str, invariant_id: str, breach: str
) -> None:
    program = _printed_program(tmp_path, world, invariant_id)
    if invariant_id == "WAIT-003":
        assert "await asyncio.gather(" in program
    else:
        assert "try:\n" in program and "except (" in program

    against_broken = _run(program, tmp_path)
    assert against_broken.returncode == 1, program + against_broken.stdout + against_broken.stderr
    assert f"{invariant_id} BROKEN by the World" in against_broken.stdout
    assert breach in against_broken.stdout

    on_reference = program.replace(
        f"from tests.broken_worlds import {world}\n",
        f"from reference_worlds.memory import MemoryWorld as {world}\n",
    )
    assert on_reference != program
    against_reference = _run(on_reference, tmp_path)
    assert against_reference.returncode == 0, against_reference.stdout + against_reference.stderr
    assert f"{invariant_id} kept" in against_reference.stdout


def test_long_values_are_written_as_their_period() -> None:
    """The kit's long strings and bytes (past 64 KiB, past 1 MiB) come out of a program as a
    repeated period, which rebuilds them exactly; a long value with no short period stays a
    literal."""
    unrepeated = bytes(range(256)) + bytes(range(255, -1, -1)) * 3 + b"\x01"
    for value in (values.STRING_SHAPES["past 64 KiB"], values.LARGE_BYTES, b"\x00" * 2000, unrepeated):
        source = render(value, {})
        assert eval(source) == value
        assert len(source) < 1200 or source == repr(value)
    assert render(values.STRING_SHAPES["past 64 KiB"], {}) == "('abcdef\u00e9\U0001fa9d' * 8300)"
