"""Generates ``docs/invariants/``: one page per catalogue invariant and an index.

``python -m conformance.catalogue.docs [DIR]`` (default docs/invariants) rewrites the pages; a test in
tests/ fails when the committed pages differ from what this module generates.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.catalogue.entries import BOTH_LINES, FAMILIES, INVARIANTS, Invariant
from conformance.catalogue.implemented import implementing_tests
from conformance.catalogue.marker import MarkedInvariant, invariant_of
from worldspec.lines import SpecLine

__all__ = ["generate", "render_index", "render_page"]


def _line_note(invariant: Invariant) -> str:
    """The page's sentence about the lines of the contract the invariant belongs to."""
    if invariant.lines == BOTH_LINES:
        return "Lines: **4.x and 5.x** (spec versions up to 3, and 6-7)."
    if SpecLine.LINE_5 not in invariant.lines:
        if invariant.replaced_by is None:
            instead = "it is withdrawn without replacement"
        elif invariant.replaced_by in INVARIANTS:
            instead = f"[{invariant.replaced_by}]({invariant.replaced_by}.md) replaces it"
        else:
            instead = f"{invariant.replaced_by} replaces it"
        return f"Line: **4.x** only (spec versions up to 3); on the 5.x line {instead}."
    return "Line: **5.x** only (spec versions 6-7)."


def _unchecked_lines(invariant: Invariant, marked: MarkedInvariant | None) -> list[SpecLine]:
    """The lines of ``invariant`` on which no kit test judges it."""
    return [line for line in SpecLine if invariant.applies_to(line) and not (marked and marked.judges(line))]


def render_page(invariant: Invariant, test: Callable[..., Any] | None) -> str:
    """The Markdown page of ``invariant``."""
    family = invariant.family
    lines = [
        f"# {invariant.id}",
        "",
        f"**{invariant.level}** · family {family.prefix} ({family.title}, spec {family.sections})",
        "",
        _line_note(invariant),
        "",
        f"> {invariant.statement}",
        "",
    ]
    if family.kit_addition:
        lines += [
            f"*Kit addition: the {family.prefix} family is worldspec's own, not part of the spec's §13 "
            f"catalogue; it goes beyond the letter of {family.sections}.*",
            "",
        ]
    lines += [
        "## How the kit checks it",
        "",
    ]
    if test is None:
        lines.append("Not yet checked by the kit.")
    else:
        doc = inspect.cleandoc(test.__doc__ or "")
        lines += [doc, "", f"Test: `{test.__module__}.{test.__name__}`. Select it with `-k {invariant.id}`."]
        unchecked = _unchecked_lines(invariant, invariant_of(test))
        if unchecked:
            lines += ["", f"Not yet checked by the kit on the {unchecked[0]} line."]
    return "\n".join(lines) + "\n"


def render_index(tests: dict[str, Callable[..., Any]]) -> str:
    """The index page: every invariant by family, with whether the kit checks it."""
    lines = [
        "# Invariant catalogue",
        "",
        "IDs are stable and never reused (spec §13). Each entry names the lines of the contract it "
        "judges: [4.x] Worlds declaring spec version 3 or less, [5.x] those declaring 6 or 7 "
        "(world-contract-v7.md §13-v7).",
        "",
    ]
    for family in FAMILIES.values():
        lines += [f"## {family.prefix}: {family.title} ({family.sections}) — `-m {family.marker}`", ""]
        if family.kit_addition:
            lines += ["Kit additions: worldspec's own checks, not in spec §13.", ""]
        for invariant in INVARIANTS.values():
            if invariant.family is family:
                lines.append(
                    f"- [{invariant.id}]({invariant.id}.md) {invariant.level} "
                    f"[{invariant.lines_label}]: {invariant.statement} ({_checked(invariant, tests)})"
                )
        lines.append("")
    return "\n".join(lines)


def _checked(invariant: Invariant, tests: dict[str, Callable[..., Any]]) -> str:
    test = tests.get(invariant.id)
    if test is None:
        return "not yet checked"
    unchecked = _unchecked_lines(invariant, invariant_of(test))
    return f"not yet checked on {unchecked[0]}" if unchecked else "checked"


def generate() -> dict[str, str]:
    """Every page, by file name."""
    tests = implementing_tests()
    pages = {
        f"{ident}.md": render_page(invariant, tests.get(ident)) for ident, invariant in INVARIANTS.items()
    }
    pages["index.md"] = render_index(tests)
    return pages


def main(argv: list[str]) -> int:
    target = Path(argv[0] if argv else "docs/invariants")
    target.mkdir(parents=True, exist_ok=True)
    for name, text in generate().items():
        (target / name).write_text(text)
    print(f"wrote {len(INVARIANTS) + 1} pages to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
