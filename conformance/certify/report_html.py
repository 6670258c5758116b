"""``report.html``: the certification as one self-contained page, readable offline.

Inline CSS, the inline badge SVG and the inline pictures of failing histories; no scripts,
fonts, images or links to fetch. The same
order as report.md: verdict, World and run, summary by family, what did not pass (failures
first, each with its repro command), levels, then every checked invariant.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

from conformance.certify.badge import badge_svg
from conformance.certify.levels import LEVELS
from conformance.certify.pictures import picture_file, picture_of
from conformance.certify.report_markdown import verdict_line
from conformance.certify.results import Certification
from conformance.reporting.records import OUTCOMES, InvariantRecord

__all__ = ["render_html", "write_report_html"]

_STYLE = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 70rem; padding: 0 1rem; color: #1d1d1f; }
h1 { font-size: 1.5rem; margin-bottom: .5rem; } h2 { margin-top: 2rem; font-size: 1.2rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { border: 1px solid #d0d0d0; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font: 13px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
pre { background: #f6f6f6; padding: .5rem; overflow-x: auto; white-space: pre-wrap; }
.verdict { font-size: 1.1rem; margin: .5rem 0 1rem; }
.outcome { font-weight: 600; padding: 0 .3rem; border-radius: 3px; color: #fff; }
.o-pass { background: #2e8b3a; } .o-warn { background: #b7791f; } .o-skip { background: #6b7280; }
.o-fail { background: #c8412f; } .o-expected-fail { background: #8e44ad; }
.o-unjudged { background: #b45309; }
.problem { border-left: 4px solid #c8412f; padding-left: .75rem; margin: 1rem 0; }
.problem.excused { border-left-color: #9ca3af; }
.problem h3 { margin: 0; font-size: 1rem; } .effect { font-weight: normal; color: #555; font-size: .9rem; }
.verdict .why { display: block; font-size: .95rem; color: #444; }
.verdict .blockers { margin: .25rem 0 0; font-size: .95rem; }
figure.history { margin: .5rem 0; overflow-x: auto; border: 1px solid #e5e5e5; padding: .25rem; }
figure.history figcaption { font-size: .85rem; color: #555; }
"""

_BLOCKERS_SHOWN = 5
"""How many blockers the verdict lists beside itself; the rest are under "Levels"."""


def _statement(text: str) -> str:
    """``text`` escaped, with its Markdown `code spans` as ``<code>``."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text))


def _outcome(record: InvariantRecord) -> str:
    return f'<span class="outcome o-{escape(record.outcome)}">{escape(record.headline)}</span>'


def _identity(certification: Certification) -> str:
    rows = "".join(
        f"<tr><th>{escape(label)}</th><td>{escape(text)}</td></tr>" for label, text in certification.about()
    )
    return f'<table class="identity">{rows}</table>'


def _families(certification: Certification) -> str:
    head = "".join(f"<th>{escape(outcome)}</th>" for outcome in OUTCOMES)
    rows = []
    for family in certification.families():
        counts = "".join(f'<td class="n">{family.counts[outcome]}</td>' for outcome in OUTCOMES)
        rows.append(
            f"<tr><td>{escape(family.prefix)} ({escape(family.title)}, {escape(family.sections)})</td>"
            f'<td class="n">{family.checked}</td>{counts}<td class="n">{family.not_checked}</td></tr>'
        )
    return (
        f'<table id="families"><thead><tr><th>family</th><th>checked</th>{head}<th>not yet checked</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _problem(record: InvariantRecord, blocking: bool) -> str:
    details = (
        f"<details><summary>failure details</summary><pre>{escape(record.details)}</pre></details>"
        if record.details
        else ""
    )
    reason = f"<p>{escape(record.reason)}</p>" if record.reason else ""
    evidence = _evidence(record)
    shown_evidence = f'<p class="evidence">Evidence: {escape(evidence)}</p>' if evidence else ""
    rerun = (
        f'<p>Rerun just this invariant:</p><pre class="repro">{escape(record.rerun)}</pre>'
        if record.rerun and record.outcome != "skip"
        else ""
    )
    picture = picture_of(record)
    figure = (
        f'<figure class="history"><figcaption>The failing history: one lane per client, each call '
        f"a bar from invocation to return, the anomaly's calls outlined in red, the fault a red line "
        f"(also <code>{escape(picture_file(record))}</code>)</figcaption>{picture}</figure>"
        if picture
        else ""
    )
    effect = "blocks a level" if blocking else "excused: blocks no level"
    return (
        f'<section class="problem{"" if blocking else " excused"}" id="{escape(record.id)}">'
        f'<h3>{escape(record.id)} {_outcome(record)} <span class="effect">{effect}</span></h3>'
        f"<p><strong>{escape(record.level)}</strong> · family {escape(record.family)}"
        f" · {record.duration} s</p>"
        f"<blockquote>{_statement(record.statement)}</blockquote>"
        f"{reason}{shown_evidence}{rerun}{figure}{details}</section>"
    )


def _verdict_reasons(certification: Certification) -> str:
    """Beside a "not certified" verdict: what blocks the requested level, each with why."""
    if certification.certified:
        return ""
    blockers = certification.verdicts[certification.requested_level].blockers
    items = "".join(
        f"<li><strong>{escape(blocker.id)}</strong>: {escape(blocker.why)}</li>"
        for blocker in blockers[:_BLOCKERS_SHOWN]
    )
    more = len(blockers) - _BLOCKERS_SHOWN
    rest = f"<li>… and {more} more, listed under Levels</li>" if more > 0 else ""
    return f'<ul class="blockers">{items}{rest}</ul>'


def _levels(certification: Certification) -> str:
    items = []
    for name, verdict in certification.verdicts.items():
        state = "reached" if verdict.reached else f"not reached ({len(verdict.blockers)} blocking)"
        blockers = "".join(
            f"<li>{escape(blocker.id)}: {escape(blocker.why)}</li>" for blocker in verdict.blockers
        )
        items.append(
            f"<li><strong>{escape(name)}</strong> — {escape(LEVELS[name].summary)}: {escape(state)}"
            f"{f'<ul>{blockers}</ul>' if blockers else ''}</li>"
        )
    return f"<ul>{''.join(items)}</ul>"


def _evidence(record: InvariantRecord) -> str:
    """How much a race or model test looked (attempts, forced or left to chance), or nothing."""
    return record.evidence.summary() if record.evidence is not None else ""


def _invariants(certification: Certification) -> str:
    rows = "".join(
        f"<tr><td>{escape(record.id)}</td><td>{escape(record.level)}</td><td>{_outcome(record)}</td>"
        f'<td class="n">{record.duration}</td><td>{_statement(record.statement)}</td>'
        f'<td>{escape(record.reason)}</td><td class="evidence">{escape(_evidence(record))}</td></tr>'
        for record in certification.failures_first()
    )
    return (
        '<table id="invariants"><thead><tr><th>id</th><th>level</th><th>outcome</th><th>seconds</th>'
        f"<th>statement</th><th>reason</th><th>evidence</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _plain(markdown: str) -> str:
    return escape(markdown.replace("**", ""))


def render_html(certification: Certification) -> str:
    """The whole report as one HTML document."""
    totals = certification.totals()
    problems = [record for record in certification.failures_first() if record.outcome != "pass"]
    problem_html = (
        "".join(_problem(record, not certification.excused(record)) for record in problems)
        or "<p>Every checked invariant passed.</p>"
    )
    counts = " · ".join(f"{totals[outcome]} {outcome}" for outcome in OUTCOMES)
    title = f"worldspec certification: {certification.world.factory}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f'<div class="badge">{badge_svg(certification.reached_level, certification.line)}</div>'
        f'<div class="verdict"><p>{_plain(verdict_line(certification))}</p>'
        f"{_verdict_reasons(certification)}"
        f'<span class="why">{escape(counts)} · {len(certification.not_checked)} '
        "not yet checked by the kit</span></div>"
        f"{_identity(certification)}"
        f"<h2>Summary by family</h2>{_families(certification)}"
        f"<h2>Not passed ({len(problems)}), failures first</h2>{problem_html}"
        f"<h2>Levels</h2><p>The rule is in docs/certification-levels.md.</p>{_levels(certification)}"
        f"<h2>Every checked invariant</h2>{_invariants(certification)}"
        "</body></html>\n"
    )


def write_report_html(certification: Certification, path: Path) -> None:
    """Write ``report.html`` to ``path``."""
    path.write_text(render_html(certification))
