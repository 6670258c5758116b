"""The documentation site builds with mkdocs (material theme, mkdocstrings) in strict mode: no
broken links or anchors, and the API reference is generated from the docstrings."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tests.child_environment import child_environment

REPO = Path(__file__).resolve().parent.parent

DOCS_PACKAGES = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python", "griffe_pydantic")


def _missing_docs_packages() -> list[str]:
    missing = []
    for name in DOCS_PACKAGES:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            missing.append(name)
    return missing


@pytest.mark.skipif(
    bool(_missing_docs_packages()),
    reason=f"{', '.join(_missing_docs_packages())} not installed: pip install -e '.[docs]'",
)
def test_the_docs_site_builds_strictly(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env=child_environment(NO_MKDOCS_2_WARNING="1"),
    )
    assert built.returncode == 0, built.stderr[-5000:]
    for page in ("getting-started", "writing-a-factory", "certifying-an-npm-world", "decisions", "findings"):
        assert (tmp_path / page / "index.html").is_file(), page
    assert "RUN-004" in (tmp_path / "invariants" / "index.html").read_text()
    assert (tmp_path / "contract" / "index.html").is_file(), "contract/index"
    for page in ("data-model", "events-create", "legacy", "listing", "errors", "optional-parts"):
        assert (tmp_path / "contract" / page / "index.html").is_file(), f"contract/{page}"
    events_reference = (tmp_path / "reference" / "events" / "index.html").read_text()
    assert 'id="worldspec.events.EventResult"' in events_reference, "EventResult is not in the reference"
    assert "What <code>events.create</code> returns" in events_reference, "docstrings are not rendered"
    resolve_data_reference = (tmp_path / "reference" / "resolve_data" / "index.html").read_text()
    assert 'id="worldspec.resolve_data.strip_event"' in resolve_data_reference
