"""Live progress of a kit run in the terminal: a bar per family.

On a terminal (and not under ``CI=true``) the bars are redrawn in place with plain ANSI escape
codes. Elsewhere each failure is printed when it happens and each family gets one line when
its last test finishes, so logs stay readable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, TextIO

from conformance.catalogue.entries import FAMILIES

__all__ = ["ProgressDisplay", "wants_live_display"]

_BAR_WIDTH = 30
_RED = "\x1b[31m"
_GREEN = "\x1b[32m"
_RESET = "\x1b[0m"


def wants_live_display(stream: TextIO) -> bool:
    """Whether to redraw bars in place: ``stream`` is a terminal, not dumb, and not under CI."""
    ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    return stream.isatty() and not ci and os.environ.get("TERM") != "dumb"


@dataclass
class _FamilyProgress:
    prefix: str
    total: int
    done: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def line(self, live: bool) -> str:
        counts = ", ".join(f"{count} {outcome}" for outcome, count in sorted(self.outcomes.items()))
        if not live:
            return f"{self.prefix:<5} {self.done}/{self.total}  {counts}"
        filled = _BAR_WIDTH * self.done // self.total if self.total else _BAR_WIDTH
        colour = _RED if self.outcomes.get("fail") else _GREEN
        bar = f"{colour}{'█' * filled}{_RESET}{'░' * (_BAR_WIDTH - filled)}"
        return f"{self.prefix:<5} {bar} {self.done:>3}/{self.total:<3} {counts}"


class ProgressDisplay:
    """Consumes the kit's streamed records (``--world-records``) and draws them."""

    def __init__(self, stream: TextIO, *, live: bool) -> None:
        self.stream = stream
        self.live = live
        self.families: dict[str, _FamilyProgress] = {}
        self.drawn = 0

    def __call__(self, message: dict[str, Any]) -> None:
        if message["event"] == "collected":
            totals: dict[str, int] = {}
            for test in message["tests"]:
                totals[test["family"]] = totals.get(test["family"], 0) + 1
            ordered = [prefix for prefix in FAMILIES if prefix in totals]
            ordered += sorted(set(totals) - set(ordered))
            self.families = {prefix: _FamilyProgress(prefix, totals[prefix]) for prefix in ordered}
            self._draw()
        elif message["event"] == "finished":
            record = message["record"]
            family = self.families[record["family"]]
            family.done += 1
            family.outcomes[record["outcome"]] = family.outcomes.get(record["outcome"], 0) + 1
            if self.live:
                self._draw()
                return
            if record["outcome"] in ("fail", "unjudged"):
                self._write(f"  {record['outcome'].upper()} {record['id']}")
            if family.done == family.total:
                self._write(family.line(live=False))

    def _draw(self) -> None:
        if not self.live:
            return
        if self.drawn:
            self.stream.write(f"\x1b[{self.drawn}F")
        for family in self.families.values():
            self.stream.write(f"\x1b[2K{family.line(live=True)}\n")
        self.drawn = len(self.families)
        self.stream.flush()

    def _write(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()
