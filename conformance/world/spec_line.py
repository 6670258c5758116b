"""Which line of the contract judges a World: its declared spec version, or ``--world-spec N``.

The World's ``spec_version`` (``specVersion`` through the bridge) picks the line
(``worldspec.lines.line_of``): absent or at most 3 is the 4.x line, 6 or 7 the 5.x line.
``--world-spec N`` picks the line of ``N`` instead, for a World that declares nothing or that its
author wants judged on the other line during a migration.

A World that declares a version of no line (4, 5, anything else) is refused, with or without
``--world-spec``: world-contract-v7.md §1.2 forbids reporting it as conforming to either line,
and a kit run that judged it would produce exactly such passes. The refusal is one line that
names the version and the reason (docs/decisions.md, "Choosing the line"). A ``--world-spec``
of no line is the user's mistake, not the World's: a usage error before any World is opened
(``override_problem``), never a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass

from worldspec.lines import LINE_4_HIGHEST, LINE_5_VERSIONS, SpecLine, UnsupportedSpecVersion, line_of

__all__ = ["LineChoice", "LineRefused", "choose_line", "highest_version", "override_problem"]


class LineRefused(Exception):
    """The World cannot be judged on any line; the message is the one line the kit prints."""


def highest_version(line: SpecLine) -> int:
    """The highest spec version of ``line``: the version a report names the line's contract by."""
    return LINE_4_HIGHEST if line is SpecLine.LINE_4 else max(LINE_5_VERSIONS)


@dataclass(frozen=True)
class LineChoice:
    """The line a World is judged on, and what chose it."""

    line: SpecLine
    declared: object
    """What the World declares (``None``: nothing)."""
    override: int | None = None
    """``--world-spec N``, when given."""

    def describe(self) -> str:
        """One phrase for headers and reports: ``the 5.x line (the World declares spec version 7)``."""
        declared = "declares no spec version" if self.declared is None else f"declares {self.declared!r}"
        if self.override is not None:
            return f"the {self.line} line (--world-spec {self.override}; the World {declared})"
        return f"the {self.line} line (the World {declared})"


def override_problem(option: str, override: int) -> str | None:
    """What is wrong with ``override`` given as ``option`` (``--world-spec``, ``--spec``), in one
    sentence saying which versions to give, or ``None`` when it names a line."""
    try:
        line_of(override)
    except UnsupportedSpecVersion as error:
        return (
            f"{option} {override} names no line of the contract: {_reason(error)}; give "
            f"{LINE_4_HIGHEST} (the 4.x line) or {' or '.join(map(str, sorted(LINE_5_VERSIONS)))} "
            "(the 5.x line)"
        )
    return None


def choose_line(declared: object, override: int | None = None) -> LineChoice:
    """The line that judges a World declaring ``declared``, or the line of ``override``.

    Raises ``LineRefused`` when ``declared`` belongs to no line (whatever ``override`` says), and
    ``ValueError`` when ``override`` belongs to no line (``override_problem``: callers check it
    before opening a World).
    """
    try:
        declared_line = line_of(declared)
    except UnsupportedSpecVersion as error:
        raise LineRefused(
            f"the World declares spec version {declared!r}, which no line of the contract judges: "
            f"{_reason(error)}; the kit judges Worlds declaring at most {LINE_4_HIGHEST} (the 4.x line) "
            "or 6-7 (the 5.x line), and reports no invariant for this one"
        ) from None
    if override is None:
        return LineChoice(declared_line, declared)
    problem = override_problem("--world-spec", override)
    if problem is not None:
        raise ValueError(problem)
    return LineChoice(line_of(override), declared, override)


def _reason(error: UnsupportedSpecVersion) -> str:
    return str(error).partition(": ")[2]
