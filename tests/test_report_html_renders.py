"""report.html opened in headless Chromium renders its tables and badge with no console errors,
and the pictures of failing histories inline and as standalone SVG files.

Skipped where Chromium is not installed (.ci/run installs Debian's ``chromium``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest

from conformance.certify.identity import WorldIdentity
from conformance.certify.masking import Masker
from conformance.certify.pictures import write_pictures
from conformance.certify.report_html import write_report_html
from conformance.certify.report_markdown import write_report_markdown
from conformance.certify.results import certification_of
from conformance.certify.runner import KitRequest
from conformance.certify.runner import run_kit as run_certify_kit

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


@dataclass(frozen=True)
class _FaultsOnly(KitRequest):
    """A kit run of the FAULT family alone: a few seconds instead of the whole kit."""

    def kit_arguments(self) -> list[str]:
        return [*super().kit_arguments(), "-m", "faults"]


def test_a_failing_fault_history_is_drawn_in_the_report_and_beside_it(tmp_path: Path) -> None:
    target = "tests.broken_worlds:AcknowledgesBeforeDurable"
    request = _FaultsOnly(target)
    run = run_certify_kit(request, lambda message: None)
    assert run.report is not None, run.output[-3000:]
    certification = certification_of(
        request,
        run,
        WorldIdentity(target, {}, None),
        Masker.for_options({}),
        environment={},
        requested_level="core",
        started_at=datetime.now(UTC),
    )
    out = tmp_path / "report"
    out.mkdir()
    write_report_html(certification, out / "report.html")
    write_report_markdown(certification, out / "report.md")
    pictures = write_pictures(certification, out)
    assert out / "histories" / "FAULT-001.svg" in pictures
    assert "](histories/FAULT-001.svg)" in (out / "report.md").read_text()
    standalone = ElementTree.parse(out / "histories" / "FAULT-001.svg").getroot()
    assert standalone.tag == "{http://www.w3.org/2000/svg}svg"
    classes = {element.get("class") for element in standalone.iter()}
    assert {"fault", "call anomaly", "call"} <= classes, sorted(map(str, classes))
    dom, log = render(out / "report.html", tmp_path / "profile")
    assert console_messages(log) == []
    figure = dom[dom.index('<section class="problem" id="FAULT-001"') :]
    figure = figure[: figure.index("</section>")]
    assert '<figure class="history">' in figure and "<svg" in figure
    assert re.search(r'<g class="call anomaly" data-index="\d+">', figure), figure[:3000]
    assert "lost-write" in figure
