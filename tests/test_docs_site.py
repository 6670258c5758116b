"""The documentation site builds with mkdocs (material theme) in strict mode: no broken links."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None,
    reason="mkdocs and mkdocs-material are not installed: pip install -e '.[docs]'",
)
def test_the_docs_site_builds_strictly(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert built.returncode == 0, built.stderr[-5000:]
    for page in ("getting-started", "writing-a-factory", "certifying-an-npm-world", "decisions", "findings"):
        assert (tmp_path / page / "index.html").is_file(), page
    assert "RUN-004" in (tmp_path / "invariants" / "index.html").read_text()
