"""``report.md``: the certification for people, in Markdown (renders on GitHub and in mkdocs).

Order: verdict and badge, the World and the run, the summary by family, then the invariants
that did not pass (failures first, each with its repro command and failure text), what keeps
each level from being reached, and the table of every checked invariant.
"""

from __future__ import annotations

import re
from pathlib import Path

from conformance.certify.levels import LEVELS
from conformance.certify.pictures import picture_file, picture_of
from conformance.certify.results import Certification
from conformance.reporting.records import OUTCOMES, InvariantRecord

__all__ = ["render_markdown", "write_report_markdown"]


def _cell(text: str) -> str:
    """``text`` fit for one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _fenced(text: str, language: str = "") -> list[str]:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", text, fence]


def verdict_line(certification: Certification) -> str:
    """One sentence: certified at the requested level or not, the level reached, and why not."""
    reached = certification.reached_level or "none"
    if certification.refused is not None:
        return f"**Refused**, not certified on either line: {certification.refused}."
    if certification.certified:
        return f"Certified at **{certification.requested_level}** (level reached: **{reached}**)."
    blockers = certification.verdicts[certification.requested_level].blockers
    shown = ", ".join(blocker.id for blocker in blockers[:5]) + (" …" if len(blockers) > 5 else "")
    return (
        f"**Not certified** at {certification.requested_level}: {len(blockers)} invariant(s) block it "
        f"({shown}; level reached: **{reached}**)."
    )


def _identity_rows(certification: Certification) -> list[str]:
    rows = [f"| {label} | {_cell(text)} |" for label, text in certification.about()]
    return ["| | |", "|---|---|", *rows]


def _family_rows(certification: Certification) -> list[str]:
    header = "| family | checked | " + " | ".join(OUTCOMES) + " | not yet checked |"
    lines = [header, "|---" * (len(OUTCOMES) + 3) + "|"]
    for family in certification.families():
        counts = " | ".join(str(family.counts[outcome]) for outcome in OUTCOMES)
        lines.append(
            f"| {family.prefix} ({family.title}) | {family.checked} | {counts} | {family.not_checked} |"
        )
    return lines


def _problem(record: InvariantRecord, blocking: bool) -> list[str]:
    effect = "blocks a level" if blocking else "excused: blocks no level"
    lines = [
        f"### {record.id} — {record.headline} ({effect})",
        "",
        f"**{record.level}** · family {record.family} · {record.duration} s",
        "",
        f"> {record.statement}",
        "",
    ]
    if record.reason:
        lines += [_cell(record.reason), ""]
    if record.evidence is not None and record.evidence.summary():
        lines += [f"Evidence: {record.evidence.summary()}", ""]
    if record.rerun and record.outcome != "skip":
        lines += ["Rerun just this invariant:", "", *_fenced(record.rerun, "sh"), ""]
    if picture_of(record):
        lines += [f"![the failing history, drawn]({picture_file(record)})", ""]
    if record.details:
        lines += [
            "<details><summary>failure details</summary>",
            "",
            *_fenced(record.details),
            "",
            "</details>",
            "",
        ]
    return lines


def render_markdown(certification: Certification, badge_file: str = "badge.svg") -> str:
    """The whole report as Markdown; ``badge_file`` is the badge's path relative to the report."""
    totals = certification.totals()
    lines = [
        f"# worldspec certification: `{certification.world.factory}`",
        "",
        f"![certification level]({badge_file})",
        "",
        verdict_line(certification),
        "",
        " · ".join(f"{totals[outcome]} {outcome}" for outcome in OUTCOMES)
        + f" · {len(certification.not_checked)} not yet checked by the kit",
        "",
        *_identity_rows(certification),
        "",
        "## Summary by family",
        "",
        *_family_rows(certification),
        "",
    ]
    problems = [record for record in certification.failures_first() if record.outcome != "pass"]
    lines += [f"## Not passed ({len(problems)}), failures first", ""]
    for record in problems:
        lines += _problem(record, not certification.excused(record))
    if not problems:
        lines += ["Every checked invariant passed.", ""]
    lines += ["## Levels", "", "The rule is in docs/certification-levels.md.", ""]
    for name, verdict in certification.verdicts.items():
        state = "reached" if verdict.reached else f"not reached ({len(verdict.blockers)} blocking)"
        lines.append(f"- **{name}** — {LEVELS[name].summary}: {state}")
        lines += [f"  - {blocker.id}: {_cell(blocker.why)}" for blocker in verdict.blockers]
    lines += ["", "## Every checked invariant", "", "| id | level | outcome | seconds | statement | reason |"]
    lines.append("|---|---|---|---|---|---|")
    for record in certification.failures_first():
        lines.append(
            f"| {record.id} | {record.level} | {record.headline} | {record.duration} | "
            f"{_cell(record.statement)} | {_cell(record.reason)} |"
        )
    return "\n".join(lines) + "\n"


def write_report_markdown(certification: Certification, path: Path) -> None:
    """Write ``report.md`` to ``path``."""
    path.write_text(render_markdown(certification))
