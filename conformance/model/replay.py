"""``replay(target, options, operations)``: what the programs ``snippet.program`` prints call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from conformance.model.driver import Disagreement, ModelDriver
from conformance.model.operations import Operation
from conformance.world.loading import WorldSpec
from worldspec.lines import SpecLine

__all__ = ["replay"]


async def replay(
    target: str,
    options: dict[str, Any],
    operations: Sequence[Operation],
    *,
    line: str | None = None,
    out: Callable[[str], Any] = print,
) -> Disagreement | None:
    """Run ``operations`` on a fresh World of ``target`` and a fresh oracle, judged on ``line``
    (``"4.x"``, ``"5.x"``; ``None``, as in programs printed before the model judged the 5.x
    line: the line of the version the World declares), printing each answer through ``out``;
    the first disagreement, also printed, or ``None``."""
    judged_on = None if line is None else SpecLine(line)
    driver = await ModelDriver.open(WorldSpec(target, options), judged_on)
    try:
        for operation in operations:
            disagreement = await driver.apply(operation)
            out(f"{len(driver.performed):3}. {driver.performed[-1].describe()}")
            if disagreement is not None:
                out(disagreement.explain())
                return disagreement
        out("the World and the oracle agree after every operation")
        return None
    finally:
        await driver.close()
