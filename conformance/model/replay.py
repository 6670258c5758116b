"""``replay(target, options, operations)``: what the programs ``snippet.program`` prints call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from conformance.model.driver import Disagreement, ModelDriver
from conformance.model.operations import Operation
from conformance.world.loading import WorldSpec

__all__ = ["replay"]


async def replay(
    target: str,
    options: dict[str, Any],
    operations: Sequence[Operation],
    *,
    out: Callable[[str], Any] = print,
) -> Disagreement | None:
    """Run ``operations`` on a fresh World of ``target`` and a fresh oracle, printing each
    answer through ``out``; the first disagreement, also printed, or ``None``."""
    driver = await ModelDriver.open(WorldSpec(target, options))
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
