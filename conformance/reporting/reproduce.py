"""What the reproduction programs of failure reports run (``reporting.reproduction`` prints them).

A program is a ``scenario(world, verdict)``: the recorded calls, with the kit's expectations
asserted (each breach goes to ``verdict.broke``) and concurrent calls gathered (their answers go
to ``verdict.gathered``). ``judge`` plays the scenario on a fresh World of the user's Factory and
on a fresh reference World (the oracle), and prints whether the World broke the rule: an
expectation it did not meet, concurrent calls it answered otherwise than the reference World
(which keeps every rule), or a call it failed where the reference World did not.
"""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from conformance.world.oracle import new_oracle

__all__ = ["Verdict", "delivered", "drained", "judge", "outcome_name"]

Scenario = Callable[[Any, "Verdict"], Awaitable[None]]


def outcome_name(outcome: object) -> str:
    """``"returned"``, or the name of the error a call raised (its contract ``name`` if it has one)."""
    if isinstance(outcome, BaseException):
        return str(getattr(outcome, "name", type(outcome).__name__))
    return "returned"


async def drained(chunks: AsyncIterator[Any]) -> list[Any]:
    """Every item of ``chunks`` (what ``read_from_stream`` returns), as one awaitable list."""
    return [chunk async for chunk in chunks]


async def delivered(message: Any, meta: Any) -> None:
    """A queue handler that prints each delivery and accepts it (what the kit's handlers
    become in a program)."""
    print(f"delivered: {meta!r}: {message!r}")


@dataclass
class Verdict:
    """What one play of a scenario showed: broken expectations, the answers of each group of
    concurrent calls, and the error that stopped the play early, if any."""

    broken: list[str] = field(default_factory=list)
    concurrent: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    stopped: str | None = None

    def broke(self, call: int, method: str, expected: str, got: object) -> None:
        """Call number ``call`` did not do what the contract says (``expected``)."""
        shown = got if isinstance(got, str) else f"it raised {got!r}"
        self.broken.append(f"call {call} ({method}) {expected}, but {shown}")

    def gathered(self, label: str, outcomes: list[object]) -> None:
        """The answers of concurrent calls, counted by outcome (order is the scheduler's)."""
        self.concurrent.append((label, dict(Counter(outcome_name(outcome) for outcome in outcomes))))


async def _play(make_world: Callable[[], Any], scenario: Scenario) -> Verdict:
    verdict = Verdict()
    world = make_world()
    if inspect.isawaitable(world):
        world = await world
    if callable(getattr(world, "start", None)):
        await world.start()
    try:
        await scenario(world, verdict)
    except Exception as error:
        verdict.stopped = f"{outcome_name(error)}: {error}"
    finally:
        if callable(getattr(world, "close", None)):
            await world.close()
    return verdict


def _violations(world: Verdict, reference: Verdict) -> list[str]:
    found = list(world.broken)
    for (label, answers), (_, expected) in zip(world.concurrent, reference.concurrent, strict=False):
        if answers != expected:
            found.append(f"{label} answered {answers}; the reference World answers {expected}")
    if world.stopped and not reference.stopped:
        found.append(f"a call raised {world.stopped} where the reference World goes on")
    return found


async def judge(invariant_id: str, statement: str, make_world: Callable[[], Any], scenario: Scenario) -> int:
    """Play ``scenario`` on ``make_world()`` and on the reference World, print the verdict on
    ``invariant_id`` and return the exit status: 1 when the World broke the rule, else 0."""
    print(f"{invariant_id}: {statement}")
    world = await _play(make_world, scenario)
    reference = await _play(new_oracle, scenario)
    if reference.broken or reference.stopped:
        print(
            "note: the reference World does not pass this replay either "
            f"({'; '.join(reference.broken) or reference.stopped}); rerun the kit's command instead"
        )
    violations = _violations(world, reference)
    if violations:
        print(f"{invariant_id} BROKEN by the World:")
        for violation in violations:
            print(f"  - {violation}")
        return 1
    print(
        f"{invariant_id} kept in this replay: every call ended as the kit expected and as on the "
        "reference World (outcomes only: values the kit compared afterwards are judged by its rerun command)"
    )
    return 0
