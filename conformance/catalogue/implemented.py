"""Which suite test implements each invariant, and what those tests require: the catalogue as
the suites cover it (for the invariant pages, the report header and our own tests)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

from conformance import suites
from conformance.catalogue.marker import invariant_of
from worldspec.capabilities import Capability
from worldspec.lines import SpecLine

__all__ = ["capabilities_judged_on", "implementing_tests"]


def implementing_tests(line: SpecLine | None = None) -> dict[str, Callable[..., Any]]:
    """The suite test of each implemented invariant, by ID; with ``line``, only the tests that
    judge a World on that line."""
    found: dict[str, Callable[..., Any]] = {}
    for info in pkgutil.iter_modules(suites.__path__):
        module = importlib.import_module(f"conformance.suites.{info.name}")
        for _, function in inspect.getmembers(module, inspect.isfunction):
            marked = invariant_of(function)
            if marked is not None and (line is None or marked.judges(line)):
                found[marked.id] = function
    return found


def capabilities_judged_on(line: SpecLine) -> frozenset[Capability]:
    """The capabilities that decide whether some test of ``line`` runs (its ``requires``): the
    ones a report of a World judged on that line shows as in force. A 4.x World that happens
    to have a member of the 5.x line (``create_run_id``) is not judged by it there."""
    return frozenset(
        capability
        for test in implementing_tests(line).values()
        if (marked := invariant_of(test)) is not None
        for capability in marked.requires
    )
