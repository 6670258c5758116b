"""Seeds and replay programs: a failure found once can be found again, and run on its own."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.child_environment import child_environment

REPO = Path(__file__).resolve().parent.parent
TIMESTAMP_CURSOR = "tests.broken_worlds.races:TimestampCursor"
REFUSED_INSERT_TAKES_A_SLOT = "tests.broken_worlds.line5_log:RefusedInsertTakesASlot"
"""A 5.x World whose log the model finds holed after a refused create."""


def _kit(*options: str, world: str = TIMESTAMP_CURSOR) -> str:
    """The kit's output against ``world`` (a 4.x one unless given), with a fresh rootdir (so no
    example database carries a failure from one run to the next)."""
    with tempfile.TemporaryDirectory() as scratch:
        process = subprocess.run(
            [
                *(sys.executable, "-m", "pytest", f"--world={world}", "-p", "no:cacheprovider"),
                *("--rootdir", scratch, "-k", "LIN-001", *options),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert process.returncode == 1, process.stdout[-3000:]
    return process.stdout


def _program(output: str) -> str:
    start = output.index("import asyncio")
    end = output.index("asyncio.run(replay(", start)
    return output[start : output.index("\n", end)]


def test_the_seed_is_printed_and_replays_the_same_failure() -> None:
    first, second = _kit("--world-seed=4242"), _kit("--world-seed=4242")
    assert "profile ci, seed 4242, 30 s per World call\n" in first
    whole_command = r"worldspec: replay this run: pytest --world=\S+ --world-profile=ci --world-seed=4242\n"
    assert re.search(whole_command, first), first[:2000]
    # The failure's first lines say what differs, once: no Hypothesis exception ahead of it,
    # and no second copy "during handling" of it.
    body = first.split("test_world_agrees_with_the_oracle[LIN-001] _", 1)[1].split("\n", 1)[1]
    assert body.startswith("expected: the World answers and stores what the in-memory oracle does")
    headline = body.splitlines()[1]
    assert re.match(r"the World: disagrees with the in-memory oracle: .+ differs after operation", headline)
    assert "During handling" not in first and "FlakyFailure" not in first
    assert "--world-profile=ci --world-seed=4242" in first
    assert _program(first) == _program(second)


def test_the_profile_is_chosen_on_the_command_line() -> None:
    assert "profile quick, seed 7" in _kit("--world-profile=quick", "--world-seed=7")


def test_the_printed_program_replays_the_disagreement() -> None:
    program = _program(_kit("--world-seed=99"))
    assert program.endswith("line='4.x'))")
    _replays(program)


def test_the_printed_program_replays_a_disagreement_on_the_5x_line() -> None:
    """The program names the line, and replayed alone the holed log shows again: the World's
    event id is a slot past the oracle's."""
    program = _program(_kit("--world-seed=99", world=REFUSED_INSERT_TAKES_A_SLOT))
    assert program.endswith("line='5.x'))")
    replayed = _replays(program)
    assert re.search(r'\+ +"eventId": "evnt_0+\d+"', replayed), replayed


def _replays(program: str) -> str:
    """What ``program`` prints run on its own; it must reach a disagreement."""
    environment = child_environment(PYTHONPATH=str(REPO))
    replayed = subprocess.run(
        [sys.executable, "-c", program],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
    )
    assert replayed.returncode == 0, replayed.stderr[-3000:]
    assert "differs" in replayed.stdout, replayed.stdout
    return replayed.stdout
