"""The kit fails each deliberately broken World on exactly the invariants it breaks."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from conformance.catalogue.entries import INVARIANTS
from conformance.catalogue.implemented import implementing_tests
from tests.broken_worlds import BROKEN_WORLDS, BrokenWorld, breaking
from tests.kit_runner import failed, run_kit, warned

TRANSITION_RACES = frozenset({"LIN-007", "LIN-008", "LIN-009", "LIN-010"})
"""The tables of every transition raced (conformance/races/transitions.py). They judge each race
against the oracle, so they may catch any broken World; at a few seconds each they run only on
the Worlds that name them, which saves minutes of CI over the hundred broken Worlds."""

CATCH_ALL = frozenset({"LIN-001"}) | TRANSITION_RACES
"""Invariants whose test compares everything with the oracle, so it may catch any broken World:
it must fail a World that lists it in ``breaks`` and may fail any other."""

REAL_TIME_WAITS = frozenset({"HRET-003", "HRET-005"})
"""Tests that wait out a real hook retention (about 3 s each: the kit cannot move a World's
clock)."""

LENGTHY = frozenset({"LIST-001", "LIST-007", "Q-003", "Q-006"})
"""The longest tests of a 4.x World's run besides the catch-alls: paging logs of 1,000 events
(about a second of CPU each) and the queue's half-second timers. Each judges one listing or
queue rule, which the Worlds naming it prove."""

ONLY_WHERE_NAMED = CATCH_ALL | REAL_TIME_WAITS | LENGTHY
"""Run only on the broken Worlds that name them (``breaks``, ``may_break`` or ``warns``). A
catch-all's failure on any other World is tolerated, so running it there decides nothing; the
waits would cost every 5.x World six seconds. Together they were about a third of CI's time
over the 250 broken Worlds; with ``LENGTHY``, CI stays within its 20 minutes over 310."""

BROKEN = list(BROKEN_WORLDS.values())


def _families_named(world: type[BrokenWorld]) -> str:
    """A pytest marker expression: the families of the invariants ``world`` names."""
    named = world.breaks | world.may_break | world.warns
    return " or ".join(sorted({INVARIANTS[ident].family.marker for ident in named}))


WHOLE_KIT = os.environ.get("WORLDSPEC_BROKEN_WHOLE_KIT") == "1"
"""``WORLDSPEC_BROKEN_WHOLE_KIT=1``: judge every broken World without ``only`` on the whole kit
(but the tests of ``ONLY_WHERE_NAMED`` it does not name), the audit that each fails nothing it
does not name. CI judges each on the families it names; a maintainer runs the audit when the
suites change much (minutes more on 2 cores; docs/decisions.md, "The broken-World matrix in
CI")."""


def _run_kit_on(world: type[BrokenWorld]) -> dict[str, Any]:
    """The kit's outcomes on ``world``, without the tests of ``ONLY_WHERE_NAMED`` it does not
    name: only its family when it names one (``only``), else the families of the invariants it
    names (with ``WHOLE_KIT``, the whole kit)."""
    target = f"{world.__module__}:{world.__name__}"
    skipped = sorted(ONLY_WHERE_NAMED - world.breaks - world.may_break - world.warns)
    deselect = ("-k", "not (" + " or ".join(skipped) + ")") if skipped else ()
    if world.only:
        return run_kit(target, *world.kit_arguments, "-m", world.only, *deselect)
    if WHOLE_KIT:
        return run_kit(target, *world.kit_arguments, *deselect)
    return run_kit(target, *world.kit_arguments, "-m", _families_named(world), *deselect)


@pytest.fixture(scope="module")
def kit_runs(request: pytest.FixtureRequest) -> dict[str, dict[str, Any]]:
    """The kit's outcomes on every broken World this session selected (all of them unless
    ``-k`` picks some), run one more at a time than there are cores (each is its own process,
    and a quarter of a run's time is spent waiting on its own timers)."""
    selected = [world for world in BROKEN if world in _selected_worlds(request.session)]
    targets = [f"{world.__module__}:{world.__name__}" for world in selected]
    with ThreadPoolExecutor(max_workers=(os.cpu_count() or 2) + 1) as pool:
        return dict(zip(targets, pool.map(_run_kit_on, selected), strict=True))


def _selected_worlds(session: pytest.Session) -> list[type[BrokenWorld]]:
    """The broken Worlds of the session's ``test_kit_fails_exactly_what_the_world_breaks`` items."""
    return [
        item.callspec.params["world"]
        for item in session.items
        if isinstance(item, pytest.Function)
        and item.originalname == test_kit_fails_exactly_what_the_world_breaks.__name__
    ]


@pytest.mark.parametrize("world", BROKEN, ids=lambda cls: cls.__name__)
def test_kit_fails_exactly_what_the_world_breaks(
    world: type[BrokenWorld], kit_runs: dict[str, dict[str, Any]]
) -> None:
    outcomes = dict(kit_runs[f"{world.__module__}:{world.__name__}"])
    process = outcomes.pop("__process__")
    tolerated = (CATCH_ALL | world.may_break) - world.breaks
    assert failed(outcomes) - tolerated == set(world.breaks), (
        f"{world.__name__} breaks {sorted(world.breaks)}, the kit failed {sorted(failed(outcomes))}\n"
        + process.stdout[-4000:]
    )
    assert warned(outcomes) == set(world.warns), (
        f"{world.__name__} warns {sorted(world.warns)}, the kit warned {sorted(warned(outcomes))}\n"
        + process.stdout[-4000:]
    )
    assert process.returncode == (1 if failed(outcomes) else 0)


def test_every_invariant_test_has_a_broken_world() -> None:
    implemented = set(implementing_tests())
    unproven = {ident for ident in implemented if not breaking(ident)}
    claimed = {ident for world in BROKEN for ident in world.breaks | world.warns}
    assert unproven == set(), "invariant tests no broken World makes fail"
    assert claimed - implemented == set(), "broken Worlds claim invariants no test checks"


def test_every_broken_world_names_what_it_breaks() -> None:
    """A class in a family module that names nothing is a base that belongs in ``base.py``: the
    matrix would run it as a World the kit must pass (a base for createBatch once sat there)."""
    silent = sorted(world.__name__ for world in BROKEN if not world.breaks | world.warns | world.may_break)
    assert silent == [], f"broken Worlds that name no invariant: {silent}"
