"""The two lines of the World contract, and which one a spec version belongs to.

A World declares ``specVersion``; that number alone says which contract judges it
(world-contract-v7.md §1.2):

- absent or at most 3: the **4.x line** (``@workflow/world`` 4.5.0, world-contract.md), whose
  models are the top-level ``worldspec`` modules;
- 6 or 7: the **5.x line** (``@workflow/world`` 5.0.0-beta.37, world-contract-v7.md), whose
  models are ``worldspec.line5``;
- 4 or 5: transitional versions no contract describes (``@workflow/core`` 5.x refuses such a
  World before it creates anything), and anything else: out of scope. Both are refused with
  ``UnsupportedSpecVersion``, never mapped to a line.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = [
    "LINE_4_HIGHEST",
    "LINE_5_VERSIONS",
    "TRANSITIONAL_VERSIONS",
    "SpecLine",
    "UnsupportedSpecVersion",
    "line_of",
]

LINE_4_HIGHEST: Final = 3
"""The highest spec version of the 4.x line."""

LINE_5_VERSIONS: Final = frozenset({6, 7})
"""The spec versions of the 5.x line: 6 (slot identity) and 7 (sealed-log readers)."""

TRANSITIONAL_VERSIONS: Final = frozenset({4, 5})
"""Spec versions between the lines, which no contract describes (world-contract-v7.md §1.2)."""


class SpecLine(StrEnum):
    """A line of the contract: the package major version whose World interface it describes."""

    LINE_4 = "4.x"
    LINE_5 = "5.x"


class UnsupportedSpecVersion(ValueError):
    """A declared spec version that belongs to no line. ``version`` is what was declared."""

    def __init__(self, version: object, reason: str) -> None:
        self.version = version
        super().__init__(f"spec version {version!r} belongs to no line of the World contract: {reason}")


def line_of(spec_version: object) -> SpecLine:
    """The line that judges a World declaring ``spec_version`` (``None`` when it declares none).

    Raises ``UnsupportedSpecVersion`` for 4 and 5 (transitional), for any other integer outside
    both lines, and for anything that is not an integer (a bool, a float, a string).
    """
    if spec_version is None:
        return SpecLine.LINE_4
    if isinstance(spec_version, bool) or not isinstance(spec_version, int):
        raise UnsupportedSpecVersion(spec_version, "a spec version is an integer")
    if spec_version <= LINE_4_HIGHEST:
        return SpecLine.LINE_4
    if spec_version in LINE_5_VERSIONS:
        return SpecLine.LINE_5
    if spec_version in TRANSITIONAL_VERSIONS:
        raise UnsupportedSpecVersion(
            spec_version,
            "it is a transitional version between the 4.x line (at most 3) and the 5.x line (6 or 7); "
            "@workflow/core 5.x refuses such a World and no contract describes it",
        )
    raise UnsupportedSpecVersion(
        spec_version, "the 4.x line covers versions up to 3 and the 5.x line versions 6 and 7"
    )
