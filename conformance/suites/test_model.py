"""The model (§4, §8, §9): random operation sequences agree with the in-memory oracle."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from hypothesis import seed
from hypothesis.errors import FlakyFailure
from hypothesis.stateful import run_state_machine_as_test

from conformance.catalogue.marker import invariant
from conformance.checks.expect import fail
from conformance.model.machine import ModelDisagreement, model_factory
from conformance.reporting.profiles import Profile
from conformance.reporting.records import Evidence
from conformance.world.loading import WorldSpec
from worldspec.lines import SpecLine


@invariant("LIN-001")
def test_world_agrees_with_the_oracle(
    world_spec: WorldSpec,
    world_line: SpecLine,
    world_loop: asyncio.AbstractEventLoop,
    world_profile: Profile,
    world_seed: int,
    world_evidence: Evidence,
) -> None:
    """A Hypothesis state machine applies the same random operations to a fresh World and a
    fresh in-memory oracle: runs created (client and minted ids), started, resiliently
    started, completed, failed, cancelled; steps created, started, retried (``retryAfter`` past
    and future), completed, failed; hooks with tokens from a small pool (reused, conflicting),
    received, disposed; waits; clock ticks where the World takes the kit's clock; and gets and
    listings with page sizes 1–4, both orders and ``resolveData``. After every operation the
    answers (errors by name) must agree, and so must the touched run, its whole log, its steps
    and live hooks and every token's holder, with minted ids, times and World-defined fields
    normalised. Where the contract lets a World choose, the operation is skipped. On the 5.x
    line the requests are that line's, steps are also started lazily, the oracle runs at the
    World's spec version, event ids (slots) are compared as they are, and what the line leaves
    open (the default specVersion, refusals on an ended run, optional read-side fields) is not
    judged. A failure prints the shortest sequence found as a program that replays it."""
    rule = "the World answers and stores what the in-memory oracle does (§4, §8, §9)"
    factory = model_factory(world_spec, world_line, world_loop, world_profile.budget(), world_evidence)
    disagreement: str | None = None
    try:
        # Hypothesis's stubs type the factory as a machine class; ours is a callable making one.
        cast(Any, run_state_machine_as_test)(
            seed(world_seed)(factory), settings=world_profile.model_settings()
        )
    except ModelDisagreement as found:
        disagreement = str(found)
    except ExceptionGroup as group:
        disagreement = _disagreement_in(group)
    if disagreement is not None:
        # Failed outside the except blocks, so the report shows the disagreement once, not
        # Hypothesis's exception with ours "during handling" of it.
        fail(rule, disagreement)


def _disagreement_in(group: ExceptionGroup[Exception]) -> str:
    """The first ``ModelDisagreement`` of what Hypothesis raised, saying so when replaying the
    sequence did not fail again (``FlakyFailure``); re-raises a group that holds none."""
    found = group.subgroup(ModelDisagreement)
    if found is None:
        raise group
    first = str(found.exceptions[0])
    if isinstance(group, FlakyFailure):
        return (
            f"{first}\n\n(on replay the same sequence did not fail again: the World answers "
            "differently from run to run, as a race or a clock would make it)"
        )
    return first
