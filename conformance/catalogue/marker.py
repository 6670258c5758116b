"""``@invariant("RUN-014")``: ties a suite test to its catalogue entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from conformance.catalogue.entries import Invariant, invariant_by_id

__all__ = ["INVARIANT_ATTRIBUTE", "invariant", "invariant_of"]

F = TypeVar("F", bound=Callable[..., Any])
INVARIANT_ATTRIBUTE = "__worldspec_invariant__"


def invariant(ident: str) -> Callable[[F], F]:
    """Mark a test as the check of invariant ``ident``: selectable with ``-k <ID>`` and with
    ``-m <family marker>``, reported with the invariant's statement on failure."""
    found = invariant_by_id(ident)

    def mark(test: F) -> F:
        if not (test.__doc__ or "").strip():
            raise TypeError(f"{test.__name__} ({ident}) needs a docstring stating the invariant")
        setattr(test, INVARIANT_ATTRIBUTE, found)
        marked = pytest.mark.invariant(ident)(test)
        return getattr(pytest.mark, found.family.marker)(marked)  # type: ignore[no-any-return]

    return mark


def invariant_of(test: object) -> Invariant | None:
    """The invariant a test checks, if it is a suite test."""
    return getattr(test, INVARIANT_ATTRIBUTE, None)
