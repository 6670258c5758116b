"""The kit passes every World in tests/legal_worlds.py: a freedom the contract grants is never
judged a failure."""

from __future__ import annotations

import inspect

import pytest

from tests import legal_worlds
from tests.kit_runner import failed, run_kit, warned

LEGAL = sorted(
    (
        cls
        for _, cls in inspect.getmembers(legal_worlds, inspect.isclass)
        if issubclass(cls, legal_worlds.LegalWorld) and cls is not legal_worlds.LegalWorld
    ),
    key=lambda cls: cls.__name__,
)


@pytest.mark.parametrize("world", LEGAL, ids=lambda cls: cls.__name__)
def test_kit_passes_a_world_that_uses_a_freedom(world: type[legal_worlds.LegalWorld]) -> None:
    assert world.freedom, f"{world.__name__} must say which freedom of the contract it takes"
    selection = () if world.judged_by is None else ("-k", world.judged_by)
    outcomes = run_kit(f"{world.__module__}:{world.__name__}", *selection)
    process = outcomes.pop("__process__")
    assert failed(outcomes) == set(), f"{world.freedom}\n" + process.stdout[-4000:]
    assert warned(outcomes) == set(), f"{world.freedom}\n" + process.stdout[-4000:]
    assert process.returncode == 0, process.stdout[-3000:]
