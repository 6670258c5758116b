"""A user's kit run prints no warning of its own: the kit against MemoryWorld passes with every
warning turned into an error, on whatever releases the dependency ranges installed, with
pytest-xdist loaded or not (``-p no:xdist``), and finds nothing left running that the kit
itself started."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.child_environment import child_environment

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("xdist", [(), ("-p", "no:xdist")], ids=["xdist-loaded", "xdist-off"])
def test_kit_against_memory_world_raises_no_warning(tmp_path: Path, xdist: tuple[str, ...]) -> None:
    environment = child_environment(PYTHONPATH=str(REPO))
    result = subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            "-m",
            "pytest",
            "-W",
            "error",
            "-p",
            "no:cacheprovider",
            "-q",
            "--world=reference_worlds.memory:MemoryWorld",
            *xdist,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "warning" not in result.stdout.lower(), result.stdout[-4000:]
    assert "left running after close()" not in result.stdout, "the kit's own threads count as the World's"
