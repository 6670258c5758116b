"""Generates ``docs/invariants/``: one page per catalogue invariant and an index.

``python -m conformance.catalogue.docs [DIR]`` (default docs/invariants) rewrites the pages; a test in
tests/ fails when the committed pages differ from what this module generates.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance import suites
from conformance.catalogue.entries import FAMILIES, INVARIANTS, Invariant
from conformance.catalogue.marker import invariant_of

__all__ = ["generate", "implementing_tests", "render_index", "render_page"]


def implementing_tests() -> dict[str, Callable[..., Any]]:
    """The suite test of each implemented invariant, by ID."""
    found: dict[str, Callable[..., Any]] = {}
    for info in pkgutil.iter_modules(suites.__path__):
        module = importlib.import_module(f"conformance.suites.{info.name}")
        for _, function in inspect.getmembers(module, inspect.isfunction):
            marked = invariant_of(function)
            if marked is not None:
                found[marked.id] = function
    return found


def render_page(invariant: Invariant, test: Callable[..., Any] | None) -> str:
    """The Markdown page of ``invariant``."""
    family = invariant.family
    lines = [
        f"# {invariant.id}",
        "",
        f"**{invariant.level}** · family {family.prefix} ({family.title}, spec {family.sections})",
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
    return "\n".join(lines) + "\n"


def render_index(tests: dict[str, Callable[..., Any]]) -> str:
    """The index page: every invariant by family, with whether the kit checks it."""
    lines = ["# Invariant catalogue", "", "IDs are stable and never reused (spec §13).", ""]
    for family in FAMILIES.values():
        lines += [f"## {family.prefix}: {family.title} ({family.sections}) — `-m {family.marker}`", ""]
        if family.kit_addition:
            lines += ["Kit additions: worldspec's own checks, not in spec §13.", ""]
        for invariant in INVARIANTS.values():
            if invariant.family is family:
                checked = "checked" if invariant.id in tests else "not yet checked"
                lines.append(
                    f"- [{invariant.id}]({invariant.id}.md) {invariant.level}: "
                    f"{invariant.statement} ({checked})"
                )
        lines.append("")
    return "\n".join(lines)


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
