"""A failing sequence as a Python program that replays it on the same World and the oracle."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from conformance.model.operations import Operation
from worldspec.lines import SpecLine

__all__ = ["program"]


def program(target: str, options: dict[str, Any], line: SpecLine, operations: Sequence[Operation]) -> str:
    """A runnable program: the operations as data, replayed by ``conformance.model.replay`` on
    ``line``, which prints each answer and where the World and the oracle part."""
    used = sorted({type(operation).__name__ for operation in operations})
    lines = ["import asyncio", ""]
    if used:
        lines.append(f"from conformance.model.operations import {', '.join(used)}")
    lines += [
        "from conformance.model.replay import replay",
        "",
        "OPERATIONS = [",
        *(f"    {operation!r}," for operation in operations),
        "]",
        "",
        f"asyncio.run(replay({target!r}, {options!r}, OPERATIONS, line={str(line)!r}))",
    ]
    return "\n".join(lines)
