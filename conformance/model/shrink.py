"""Shortening a failing sequence by dropping operations (delta debugging at operation level).

Hypothesis shrinks the choices that built a sequence, which is thorough but costs thousands of
runs; this pass costs a few dozen replays. It drops one operation at a time, keeps the drop when
the shorter sequence still ends in the same kind of disagreement (the same operation type and
the same aspect), and repeats until no drop is kept. Operations on runs that no longer exist
in the shorter sequence are skipped by the driver, so every candidate stays replayable.
"""

from __future__ import annotations

from collections.abc import Sequence

from conformance.model.driver import Disagreement, ModelDriver
from conformance.model.operations import Operation
from conformance.world.loading import WorldSpec
from worldspec.lines import SpecLine

__all__ = ["MAX_PASSES", "first_disagreement", "shortest"]

MAX_PASSES = 4
"""Rounds of one-at-a-time drops before the shortest sequence so far is taken."""


async def first_disagreement(
    spec: WorldSpec, line: SpecLine, operations: Sequence[Operation]
) -> Disagreement | None:
    """Replay ``operations`` on a fresh World of ``spec`` and a fresh oracle, judged on ``line``;
    the first disagreement."""
    driver = await ModelDriver.open(spec, line)
    try:
        for operation in operations:
            disagreement = await driver.apply(operation)
            if disagreement is not None:
                return disagreement
        return None
    finally:
        await driver.close()


def _same_kind(found: Disagreement | None, wanted: Disagreement) -> bool:
    return (
        found is not None
        and type(found.operation) is type(wanted.operation)
        and found.aspect == wanted.aspect
    )


async def shortest(
    spec: WorldSpec, line: SpecLine, operations: Sequence[Operation], wanted: Disagreement
) -> tuple[list[Operation], Disagreement]:
    """The shortest sequence found that still ends in a disagreement like ``wanted`` on ``line``,
    and its disagreement."""
    kept, found = list(operations[: wanted.step]), wanted
    for _ in range(MAX_PASSES):
        dropped_any = False
        index = len(kept) - 2
        while index >= 0:
            trial = kept[:index] + kept[index + 1 :]
            disagreement = await first_disagreement(spec, line, trial)
            if disagreement is not None and _same_kind(disagreement, wanted):
                kept, found, dropped_any = trial[: disagreement.step], disagreement, True
            index -= 1
        if not dropped_any:
            break
    return kept, found
