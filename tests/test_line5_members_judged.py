"""On the 5.x line the kit reads streams through ``world.streams`` and runs upstream's resilient
start fixture as written (spec 7): each fails a 5.x World broken only there
(tests/broken_line5_worlds.py), which the 4.x reading of the same invariant would pass."""

from __future__ import annotations

import pytest

from tests.kit_runner import failed, run_kit


@pytest.mark.parametrize(
    ("factory", "invariant"),
    [("StreamsGetIgnoresStart", "STRM-004"), ("ResilientRunAtSpecSix", "RS-002")],
)
def test_a_world_broken_in_a_5x_member_fails_its_invariant(factory: str, invariant: str) -> None:
    outcomes = run_kit(f"tests.broken_line5_worlds:{factory}", "-k", invariant)
    process = outcomes.pop("__process__")
    assert failed(outcomes) == {invariant}, process.stdout[-3000:]
