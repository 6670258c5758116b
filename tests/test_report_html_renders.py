"""report.html opened in headless Chromium renders its tables and badge with no console errors.

Skipped where Chromium is not installed (.ci/run installs Debian's ``chromium``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
)


def render(page: Path, profile: Path) -> tuple[str, str]:
    """The DOM Chromium builds from ``page``, and what it logged (console messages included)."""
    assert CHROMIUM is not None
    shown = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr[-3000:]
    return shown.stdout, shown.stderr


def console_messages(log: str) -> list[str]:
    """Chromium's log lines that carry a page's console output or an uncaught exception."""
    return [line for line in log.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def test_console_errors_are_detected(tmp_path: Path) -> None:
    page = tmp_path / "throws.html"
    page.write_text('<!DOCTYPE html><html><body><script>throw new Error("boom")</script></body></html>')
    _, log = render(page, tmp_path / "profile")
    assert any("Uncaught Error: boom" in line for line in console_messages(log)), log[-3000:]


def test_the_report_renders_its_tables_and_badge_offline(tmp_path: Path) -> None:
    out = tmp_path / "report"
    certified = subprocess.run(
        [sys.executable, "-m", "conformance", "certify", "tests.broken_worlds:NoPreload", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert certified.returncode == 1, certified.stdout + certified.stderr
    page = out / "report.html"
    source = page.read_text()
    assert not re.search(r"""(src|href)\s*=|url\(|<link|<script""", source), (
        "report.html must be self-contained"
    )
    dom, log = render(page, tmp_path / "profile")
    assert console_messages(log) == []
    assert '<table id="families">' in dom
    assert '<table id="invariants">' in dom
    assert re.search(r'<svg[^>]*class="worldspec-badge"', dom)
    assert ">not certified</text>" in dom
    assert 'class="problem" id="RS-006"' in dom
    race_row = re.search(r"<tr><td>LIN-007</td>.*?</tr>", dom)
    assert race_row is not None, "the invariants table has a row for every invariant"
    forced = r"<td class=\"evidence\">\d+ attempts, \d+ forced at the World's pause points</td>"
    assert re.search(forced, race_row[0]), "a race's row says how many rounds ran and how many were forced"
