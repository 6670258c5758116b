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


def _problem_section(dom: str, ident: str) -> str:
    """The ``<section>`` of ``ident`` under "Not passed", as Chromium built it."""
    found = re.search(rf'<section class="problem[^"]*" id="{ident}">.*?</section>', dom, re.S)
    assert found is not None, f"no problem section for {ident}"
    return found.group(0)


def test_the_report_renders_its_tables_and_badge_offline(tmp_path: Path) -> None:
    """A World without streams, certified at full on the ci profile: its stream invariants are
    skips that block full, the multi-process race a skip no level needs; the verdict says
    which invariants block it and why, beside it; skips offer no rerun; the profile shown is
    the one that ran."""
    out = tmp_path / "report"
    certified = subprocess.run(
        [
            *(sys.executable, "-m", "conformance", "certify", "tests.broken_factories:NoStreamsDeclared"),
            *("--level", "full", "--profile", "ci", "--out", str(out)),
        ],
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

    verdict = dom.split('<div class="verdict">', 1)[1].split("</div>", 1)[0]
    assert "Not certified at full" in verdict
    assert re.search(r"<li><strong>STRM-\d+</strong>: skipped: .*streams", verdict), verdict

    blocking = _problem_section(dom, "STRM-001")
    assert 'class="problem" id="STRM-001"' in blocking and "blocks a level" in blocking
    excused = _problem_section(dom, "LIN-006")
    assert 'class="problem excused"' in excused and "excused: blocks no level" in excused
    assert "Rerun" not in blocking + excused

    assert re.search(r"<th>run</th><td>[^<]*profile ci\b", dom), "the report must name the profile that ran"
    race_row = re.search(r"<tr><td>LIN-007</td>.*?</tr>", dom)
    assert race_row is not None, "the invariants table has a row for every invariant"
    forced = r"<td class=\"evidence\">\d+ attempts, \d+ forced at the World's pause points</td>"
    assert re.search(forced, race_row[0]), "a race's row says how many rounds ran and how many were forced"
