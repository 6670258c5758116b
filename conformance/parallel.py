"""How the kit's tests share pytest-xdist workers: the racing tests as one unit of work, and
the long units handed out first.

The racing tests (``@invariant(..., races=True)``) run on one worker, one after another, so
they never compete with each other for the cores. xdist's own ``--dist loadgroup`` did this
through a suffix it wrote into each node id, which pytest 9.2 no longer lets a plugin change
(pytest-xdist issue 1386): the group was silently dropped and the races spread over every
worker. The kit now brings its own scheduler (``KitScheduling``), used for ``--dist load``
(what ``-n`` implies) and ``--dist loadgroup``, which groups by the tests' own declarations on
any pytest.

Under xdist the workers also put the racing tests and the tests declared ``lengthy`` at the
front of their collection (``lengthy_first``): xdist hands work out in collection order, so
the long units start while every worker is busy and the short tests fill the end.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]

from conformance.catalogue.entries import INVARIANTS
from conformance.catalogue.implemented import implementing_tests
from conformance.catalogue.marker import MarkedInvariant, invariant_of

__all__ = [
    "RACES_UNIT",
    "SCHEDULED_DISTRIBUTIONS",
    "KitScheduling",
    "invariant_in_node_id",
    "lengthy_first",
    "racing_invariants",
]

RACES_UNIT = "worldspec-races"
"""The unit of work every racing test belongs to."""

SCHEDULED_DISTRIBUTIONS = frozenset({"load", "loadgroup"})
"""The ``--dist`` modes the kit schedules itself; the others (``each``, ``loadscope``,
``loadfile``, ``worksteal``) are left to xdist as the user asked."""


def invariant_in_node_id(node_id: str) -> str | None:
    """The invariant ID a suite test's node id carries (``…::test_x[RUN-014]``), or ``None``
    for any other test. The group suffix xdist's ``loadgroup`` appends (on pytest before 9.2)
    to a test someone marked ``xdist_group`` (``…[LIN-002]@mine``) is not part of it."""
    parameters = node_id.rpartition("[")[2]
    ident = parameters.rpartition("]")[0] if "]" in parameters else parameters
    return ident if ident in INVARIANTS else None


def racing_invariants() -> frozenset[str]:
    """The IDs whose suite tests race (``races=True``), read from their declarations."""
    marked = (invariant_of(test) for test in implementing_tests().values())
    return frozenset(found.id for found in marked if found is not None and found.races)


class KitScheduling(LoadScopeScheduling):  # type: ignore[misc]
    """xdist's scope scheduling with the kit's units: every racing test in one unit, every
    other test a unit of its own. xdist puts units with more tests first (the races) and keeps
    the collection order among the rest, handing each worker a new unit when it runs low."""

    def __init__(self, config: pytest.Config, log: Any, racing: frozenset[str]) -> None:
        super().__init__(config, log)
        self.racing = racing

    def _split_scope(self, nodeid: str) -> str:
        return RACES_UNIT if invariant_in_node_id(nodeid) in self.racing else nodeid


def _long_unit(found: MarkedInvariant | None) -> bool:
    return found is not None and (found.races or found.lengthy)


def lengthy_first(items: list[Any], marked: Callable[[Any], MarkedInvariant | None]) -> None:
    """Move the racing tests and the tests declared ``lengthy`` (``marked(item)`` says) to the
    front of ``items``, each part in its collected order. Every worker sorts alike, so their
    collections stay identical, as xdist requires."""
    items.sort(key=lambda item: not _long_unit(marked(item)))
