"""ruff and mypy --strict hold on the shipped packages."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("tool", ["ruff", "mypy"])
def test_static_checks_pass(tool: str) -> None:
    if tool == "ruff":
        command = [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "worldspec",
            "conformance",
            "reference_worlds",
            "tests",
        ]
    else:
        command = [sys.executable, "-m", "mypy", "worldspec", "conformance"]
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is not installed: pip install -e '.[dev]'")
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
