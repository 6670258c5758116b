"""``worldspec matrix``: many certification reports joined into one table a reader can compare.

Worlds are columns (package or Factory, version, the spec version the World reports and the line
it was judged on, the date of the run, the level reached); invariants are rows grouped by
family, in catalogue order; each cell says what happened to that invariant on that World: pass,
warn, fail, unjudged, known failure (linked to where the World's author tracks it), skip (with
the capability the World lacks), other line (the invariant belongs only to the line the World
was not judged on), or not run (the kit did not check it on that World). A World that could not
be run at all is a column of "not run" with the reason.

Written as one self-contained HTML page (no scripts, nothing fetched) and a Markdown table.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from conformance.catalogue.entries import FAMILIES, INVARIANTS, Family

__all__ = [
    "Cell",
    "Column",
    "column_from_report",
    "column_not_run",
    "columns_of",
    "rebased",
    "render_html",
    "render_markdown",
    "write_matrix",
]


@dataclass(frozen=True)
class Cell:
    """What happened to one invariant on one World."""

    outcome: str
    """pass, warn, fail, unjudged, expected-fail, skip, or ``not run``."""
    note: str = ""
    """The capability of a skip, the rule that judges an unjudged one, a timeout."""
    link: str | None = None
    """Where a known failure is tracked."""

    @property
    def label(self) -> str:
        """The cell's text."""
        text = "known failure" if self.outcome == "expected-fail" else self.outcome
        return f"{text} ({self.note})" if self.note else text


@dataclass(frozen=True)
class Column:
    """One World: who it is, what it reached, and a cell per invariant."""

    title: str
    version: str
    spec_version: str
    date: str
    level: str
    cells: dict[str, Cell]
    line: str | None = None
    """The line of the contract the World was judged on (``None``: unknown, or refused)."""

    def cell(self, ident: str) -> Cell:
        """The cell of ``ident``: ``other line`` when the invariant does not judge the line this
        World was judged on, ``not run`` when the kit did not check it on this World."""
        if self.line is not None and self.line not in {line.value for line in INVARIANTS[ident].lines}:
            return self.cells.get(ident, Cell("other line"))
        return self.cells.get(ident, Cell("not run"))


def _cell(record: dict[str, Any]) -> Cell:
    outcome = str(record["outcome"])
    if outcome == "skip" and record.get("skipped_for"):
        return Cell(outcome, str(record["skipped_for"]))
    if outcome == "unjudged" and record.get("judged_by"):
        return Cell(outcome, f"see {record['judged_by']}")
    if outcome == "fail" and record.get("timed_out"):
        return Cell(outcome, "timeout")
    if outcome == "expected-fail":
        return Cell(outcome, link=record.get("finding"))
    return Cell(outcome)


def column_from_report(report: dict[str, Any]) -> Column:
    """A column from a ``report.json`` that ``worldspec certify`` wrote."""
    world = report["world"]
    package = world.get("package") or {}
    title = package.get("name") if package.get("kind") == "npm" else world["factory"]
    return Column(
        title=str(title or world["factory"]),
        version=str(package.get("version") or ""),
        spec_version=f"{_declared(world.get('specVersion'))} ({report.get('line') or 'refused'})"
        if "line" in report
        else _declared(world.get("specVersion")),
        date=str(report["run"]["startedAt"])[:10],
        level=str(report["certification"]["reachedLevel"] or "not certified"),
        cells={str(record["id"]): _cell(record) for record in report["invariants"]},
        line=report.get("line"),
    )


def _declared(spec_version: object) -> str:
    """The spec version a World reports, or "none declared" for a World that reports none."""
    return "none declared" if spec_version is None else str(spec_version)


def column_not_run(title: str, reason: str) -> Column:
    """A column for a World that could not be run here, saying why."""
    return Column(title, "", "?", "", f"not run here: {reason}", {})


def _by_family() -> list[tuple[Family, list[str]]]:
    """Each catalogue family with its invariants' IDs, both in catalogue order: the matrix's rows."""
    return [
        (family, [ident for ident, invariant in INVARIANTS.items() if invariant.family is family])
        for family in FAMILIES.values()
    ]


def render_markdown(columns: list[Column]) -> str:
    """The matrix as Markdown: a header row per World, a row per invariant under its family."""
    head = "| invariant | " + " | ".join(f"{c.title} {c.version}".strip() for c in columns) + " |"
    rule = "|---" * (len(columns) + 1) + "|"
    facts = [
        "| spec version | " + " | ".join(c.spec_version for c in columns) + " |",
        "| date | " + " | ".join(c.date for c in columns) + " |",
        "| level reached | " + " | ".join(f"**{c.level}**" for c in columns) + " |",
    ]
    lines = [head, rule, *facts]
    for family, idents in _by_family():
        lines.append(f"| **{family.prefix}** {family.title} | " + " | ".join("" for _ in columns) + " |")
        for ident in idents:
            cells = []
            for column in columns:
                cell = column.cell(ident)
                cells.append(f"[{cell.label}]({cell.link})" if cell.link else cell.label)
            lines.append(f"| {ident} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem; color: #1d1d1f; }
table { border-collapse: collapse; } th, td { border: 1px solid #d0d0d0; padding: .2rem .45rem; }
th { background: #f3f3f3; text-align: left; position: sticky; top: 0; }
tr.family th { background: #e6ecf5; }
td.pass { background: #e3f3e5; } td.warn { background: #fbf0d9; } td.fail { background: #f8dcd7; }
td.unjudged { background: #fbe3c8; } td.expected-fail { background: #eadcf2; }
td.skip { background: #ececec; } td.not-run, td.other-line { background: #fff; color: #888; }
"""


def render_html(columns: list[Column]) -> str:
    """The matrix as one self-contained HTML page."""
    head = "".join(
        f'<th class="world">{escape(c.title)}<br>{escape(c.version)}<br>spec {escape(c.spec_version)}'
        f"<br>{escape(c.date)}<br><strong>{escape(c.level)}</strong></th>"
        for c in columns
    )
    rows = []
    for family, idents in _by_family():
        rows.append(
            f'<tr class="family" id="family-{escape(family.prefix)}"><th colspan="{len(columns) + 1}">'
            f"{escape(family.prefix)}: {escape(family.title)} ({escape(family.sections)})</th></tr>"
        )
        for ident in idents:
            cells = []
            for column in columns:
                cell = column.cell(ident)
                text = escape(cell.label)
                if cell.link:
                    text = f'<a href="{escape(cell.link)}">{text}</a>'
                cells.append(f'<td class="{escape(cell.outcome.replace(" ", "-"))}">{text}</td>')
            statement = escape(INVARIANTS[ident].statement)
            rows.append(f'<tr><th title="{statement}">{escape(ident)}</th>{"".join(cells)}</tr>')
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8"><title>worldspec: the World matrix</title>'
        f"<style>{_STYLE}</style></head><body><h1>The World matrix</h1>"
        f'<table id="matrix"><thead><tr><th>invariant</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></body></html>\n"
    )


def rebased(columns: list[Column], links_from: Path, into: Path) -> list[Column]:
    """``columns`` with every relative link (relative to ``links_from``, as known-failures files
    write them) made relative to ``into``, where the matrix is published."""

    def rebase(link: str | None) -> str | None:
        if link is None or "://" in link or link.startswith(("/", "#")):
            return link
        path, _, anchor = link.partition("#")
        moved = os.path.relpath(links_from.resolve() / path, into.resolve())
        return f"{moved}#{anchor}" if anchor else moved

    return [
        dataclasses.replace(
            column,
            cells={
                ident: dataclasses.replace(cell, link=rebase(cell.link))
                for ident, cell in column.cells.items()
            },
        )
        for column in columns
    ]


def columns_of(reports: list[Path], not_run: dict[str, str]) -> list[Column]:
    """A column per report, then one per ``not_run`` World."""
    columns = [column_from_report(json.loads(path.read_text())) for path in reports]
    return columns + [column_not_run(title, reason) for title, reason in not_run.items()]


def write_matrix(reports: list[Path], not_run: dict[str, str], out: Path, links_from: Path) -> list[Path]:
    """Read ``reports``, add a column per ``not_run`` World, write ``matrix.html`` and
    ``matrix.md`` into ``out`` with relative links (relative to ``links_from`` in the reports)
    rebased onto ``out``; the paths written."""
    columns = rebased(columns_of(reports, not_run), links_from, out)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "matrix.html", out / "matrix.md"]
    written[0].write_text(render_html(columns))
    written[1].write_text(render_markdown(columns))
    return written
