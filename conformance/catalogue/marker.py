"""``@invariant("RUN-014")``: ties a suite test to its catalogue entry, and says what it needs.

``@invariant("LEG-007", requires=Capability.LEGACY_CODEC)`` declares that the test can only
judge a World that has that capability: the plugin skips it before the body runs, and the
skip is recorded as data (``skipped_for``), never as prose to be parsed back.

``lines`` says which lines of the contract the test can judge a World on. It defaults to every
line the catalogue entry applies to; a test that judges one of them only (its requests or its
expectations are those of one line) names that line, and on the other line the invariant is
"not yet checked by the kit" rather than judged by the wrong rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from conformance.catalogue.entries import Invariant, invariant_by_id
from worldspec.capabilities import Capability
from worldspec.lines import SpecLine

__all__ = ["MarkedInvariant", "invariant", "invariant_of"]

F = TypeVar("F", bound=Callable[..., Any])
_ATTRIBUTE = "__worldspec_invariant__"


@dataclass(frozen=True)
class MarkedInvariant:
    """The catalogue entry a suite test checks, and the capabilities it needs to judge a World."""

    entry: Invariant
    requires: tuple[Capability, ...]
    races: bool = False
    """The test races calls against each other (or across processes) and needs the cores to
    itself: under pytest-xdist all such tests run on one worker, one after another."""
    lines: frozenset[SpecLine] = frozenset(SpecLine)
    """The lines the test judges a World on: a subset of the entry's lines."""
    lengthy: bool = False
    """The test takes long by construction, whatever the World: it waits out a timer of the
    contract (a redelivery backoff, a kill and restart) or builds a fixture past a size
    boundary (a page of 1,000). Under pytest-xdist such tests are handed out first, so no
    worker is left with one of them after the others have finished."""

    def judges(self, line: SpecLine) -> bool:
        """Whether this test judges a World on ``line``."""
        return line in self.lines

    @property
    def id(self) -> str:
        """The entry's ID."""
        return self.entry.id


def invariant(
    ident: str,
    *,
    requires: Capability | tuple[Capability, ...] = (),
    races: bool = False,
    lines: SpecLine | None = None,
    lengthy: bool = False,
) -> Callable[[F], F]:
    """Mark a test as the check of invariant ``ident``: selectable with ``-k <ID>`` and with
    ``-m <family marker>``, reported with the invariant's statement on failure, skipped (before
    it runs) for a World that lacks a capability in ``requires``, and, with ``races``, scheduled
    alone among the racing tests when the kit runs on several workers. ``lines`` names the one
    line the test judges when the entry applies to more (default: every line of the entry);
    a line the entry does not apply to is a ``TypeError``. ``lengthy`` declares a test that
    takes long whatever the World (``MarkedInvariant.lengthy``), handed out first to xdist
    workers."""
    entry = invariant_by_id(ident)
    needed = (requires,) if isinstance(requires, Capability) else requires
    judged = entry.lines if lines is None else frozenset({lines})
    if not judged <= entry.lines:
        raise TypeError(f"{ident} applies to the {entry.lines_label} line(s) only, not to {lines}")
    found = MarkedInvariant(entry, needed, races, judged, lengthy)

    def mark(test: F) -> F:
        if not (test.__doc__ or "").strip():
            raise TypeError(f"{test.__name__} ({ident}) needs a docstring stating the invariant")
        setattr(test, _ATTRIBUTE, found)
        marked = pytest.mark.invariant(ident)(test)
        return getattr(pytest.mark, found.entry.family.marker)(marked)  # type: ignore[no-any-return]

    return mark


def invariant_of(test: object) -> MarkedInvariant | None:
    """The invariant a test checks, if it is a suite test."""
    return getattr(test, _ATTRIBUTE, None)
