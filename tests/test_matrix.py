"""``worldspec matrix`` joins real certification reports into one table: every World a column,
every family and invariant a row, each cell what happened; the HTML renders in Chromium and its
links resolve."""

from __future__ import annotations

import html.parser
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.catalogue import FAMILIES, INVARIANTS
from tests.child_environment import child_environment
from tests.test_report_html_renders import CHROMIUM, console_messages, render

REPO = Path(__file__).resolve().parent.parent


def _worldspec(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance", *arguments],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        env=child_environment(CI="true"),
    )


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two real reports: MemoryWorld, and a broken World with a tracked known failure."""
    scratch = tmp_path_factory.mktemp("matrix")
    known = scratch / "known.toml"
    known.write_text(
        '[[known_failure]]\nid = "RS-006"\nreason = "preload cut short"\nlink = "findings/preload.md"\n'
    )
    made = []
    for name, target, extra in (
        ("memory", "reference_worlds.memory:MemoryWorld", []),
        ("broken", "tests.broken_worlds:TruncatedPreload", ["--xfail", str(known)]),
    ):
        certified = _worldspec("certify", target, "--profile", "quick", "--out", str(scratch / name), *extra)
        assert certified.returncode in (0, 1), certified.stdout + certified.stderr
        made.append(scratch / name / "report.json")
    return made


def test_every_world_is_a_column_and_every_invariant_a_row(reports: list[Path], tmp_path: Path) -> None:
    joined = _worldspec(
        "matrix",
        *map(str, reports),
        "--out",
        str(tmp_path),
        "--links-from",
        str(tmp_path),
        "--not-run",
        "@workflow-worlds/mongodb=no MongoDB server",
    )
    assert joined.returncode == 0, joined.stderr
    markdown = (tmp_path / "matrix.md").read_text()
    header = markdown.splitlines()[0]
    assert (
        "reference_worlds.memory:MemoryWorld" in header and "tests.broken_worlds:TruncatedPreload" in header
    )
    assert "@workflow-worlds/mongodb" in header
    rows = {line.split(" | ")[0].removeprefix("| "): line for line in markdown.splitlines()}
    assert set(INVARIANTS) <= set(rows)
    assert all(f"**{prefix}**" in markdown for prefix in FAMILIES)
    broken_report = json.loads(reports[1].read_text())
    assert broken_report["invariants"], "a real report"
    assert "[known failure](findings/preload.md)" in rows["RS-006"]
    assert "skip (multi_process)" in rows["LIN-006"]
    assert rows["RUN-001"].count("pass") == 2 and "not run" in rows["RUN-001"]
    assert "not run here: no MongoDB server" in markdown


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
def test_the_matrix_page_renders_with_every_column_family_and_a_resolving_link(
    reports: list[Path], tmp_path: Path
) -> None:
    links_from = tmp_path / "repository"
    joined = _worldspec(
        "matrix", *map(str, reports), "--out", str(tmp_path / "published"), "--links-from", str(links_from)
    )
    assert joined.returncode == 0, joined.stderr
    (links_from / "findings").mkdir(parents=True)
    (links_from / "findings" / "preload.md").write_text("# the finding\n")
    dom, log = render(tmp_path / "published" / "matrix.html", tmp_path / "profile")
    assert console_messages(log) == []
    assert dom.count('<th class="world">') == 2
    assert all(f'id="family-{prefix}"' in dom for prefix in FAMILIES)

    class Links(html.parser.HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.found += [value for name, value in attrs if tag == "a" and name == "href" and value]

    links = Links()
    links.feed(dom)
    assert links.found == ["../repository/findings/preload.md"], "rebased onto the published page"
    assert all((tmp_path / "published" / href).is_file() for href in links.found)
