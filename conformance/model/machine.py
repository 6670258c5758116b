"""The Hypothesis state machine that picks the model's operations.

Each example opens a fresh World and a fresh oracle (``ModelDriver.open``) and applies random
operations to both: runs created (client or minted ids) and started, resiliently started,
finished; steps created, started, retried, finished; hooks created with tokens drawn from a
small pool (so tokens are reused and conflict), received, disposed; waits; clock ticks; and
reads and listings with random page sizes, orders and ``resolveData``. Entities are picked
by slot (an integer taken modulo the number known), so shrinking moves towards the first one.

On the 5.x line steps are also started lazily (``step_started`` that creates its step, new
or already there), and a step is always read with its run (v7 §9 requires the runId).

On a disagreement the machine fails with the explanation and a program that replays the
operations (``snippet.program``). Before the final report the sequence is shortened by
dropping operations (``shrink.shortest``), after Hypothesis's own shrinking where the profile
enables it, so the program printed is short. Every step is ``note()``-d, so the trace reads as
a story.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

from hypothesis import note
from hypothesis import strategies as st
from hypothesis.control import current_build_context
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from conformance.model import operations as ops
from conformance.model.driver import ModelDriver
from conformance.model.shrink import shortest
from conformance.model.snippet import program
from conformance.reporting.profiles import Budget
from conformance.reporting.records import Evidence
from conformance.world.loading import WorldSpec
from worldspec.lines import SpecLine

__all__ = ["ModelDisagreement", "WorldModel", "model_factory"]

SLOTS = st.integers(min_value=0, max_value=15)
RESOLVE = st.sampled_from(["all", "none"])
LIMITS = st.integers(min_value=1, max_value=4)
TOKENS = st.integers(min_value=0, max_value=2)
WORKFLOWS = st.integers(min_value=0, max_value=1)


class ModelDisagreement(AssertionError):
    """The World and the oracle disagree; the message explains where and how to replay it."""


class WorldModel(RuleBasedStateMachine):
    """Drives one fresh World and one fresh oracle with the same operations."""

    def __init__(
        self,
        spec: WorldSpec,
        line: SpecLine,
        loop: asyncio.AbstractEventLoop,
        budget: Budget,
        evidence: Evidence,
    ) -> None:
        super().__init__()
        self.exhausted = budget.spent()
        """Once the budget is spent, examples still draw their steps (so Hypothesis sees the same
        choices on any replay) but make no calls: the run ends quickly, judged on what ran."""
        if self.exhausted:
            evidence.budget_reached = True
        else:
            evidence.attempts += 1
        self.spec = spec
        self.line = line
        self.loop = loop
        self.driver = None if self.exhausted else loop.run_until_complete(ModelDriver.open(spec, line))
        self.movable = self.driver is not None and self.driver.movable
        self.counter = itertools.count()
        self.runs: list[str] = []
        self.steps: list[tuple[str, str]] = []
        self.hooks: list[tuple[str, str]] = []
        self.waits: list[tuple[str, str]] = []

    def teardown(self) -> None:
        if self.driver is not None:
            self.loop.run_until_complete(self.driver.close())

    def _symbol(self, kind: str) -> str:
        return f"{kind}_{next(self.counter)}"

    def _perform(self, operation: ops.Operation) -> None:
        if self.driver is None:
            note(f"not performed (the time budget is spent): {operation!r}")
            return
        disagreement = self.loop.run_until_complete(self.driver.apply(operation))
        note(self.driver.performed[-1].describe())
        if disagreement is not None:
            operations = self.driver.operations()
            if current_build_context().is_final:
                operations, disagreement = self.loop.run_until_complete(
                    shortest(self.spec, self.line, operations, disagreement)
                )
            replay = program(self.spec.target, self.spec.options, self.line, operations)
            raise ModelDisagreement(
                f"disagrees with the in-memory oracle: {disagreement.headline()}\n"
                f"{disagreement.explain()}\n\n"
                f"replay it (prints every answer of both):\n{replay}"
            )

    # --- runs ---------------------------------------------------------------------------

    @rule(client_id=st.booleans(), workflow=WORKFLOWS)
    def create_run(self, client_id: bool, workflow: int) -> None:
        run = self._symbol("run")
        self._perform(ops.CreateRun(run, client_id, f"workflow_{workflow}"))
        self.runs.append(run)

    @rule(workflow=WORKFLOWS)
    def resilient_start_of_a_new_run(self, workflow: int) -> None:
        run = self._symbol("run")
        self._perform(ops.ResilientStart(run, f"workflow_{workflow}"))
        self.runs.append(run)

    @precondition(lambda self: self.runs)
    @rule(slot=SLOTS, resilient=st.booleans())
    def create_or_start_an_existing_run(self, slot: int, resilient: bool) -> None:
        run = self.runs[slot % len(self.runs)]
        self._perform(ops.ResilientStart(run) if resilient else ops.CreateRun(run))

    @precondition(lambda self: self.runs)
    @rule(slot=SLOTS, event=st.sampled_from([ops.StartRun, ops.CompleteRun, ops.FailRun, ops.CancelRun]))
    def run_event(self, slot: int, event: type[ops.StartRun]) -> None:
        self._perform(event(self.runs[slot % len(self.runs)]))

    # --- steps --------------------------------------------------------------------------

    @precondition(lambda self: self.runs)
    @rule(slot=SLOTS, resolve=RESOLVE)
    def create_step(self, slot: int, resolve: str) -> None:
        run, step = self.runs[slot % len(self.runs)], self._symbol("step")
        self._perform(ops.CreateStep(run, step, resolve=resolve))  # type: ignore[arg-type]
        self.steps.append((run, step))

    @precondition(lambda self: self.steps)
    @rule(slot=SLOTS)
    def create_a_step_again(self, slot: int) -> None:
        run, step = self.steps[slot % len(self.steps)]
        self._perform(ops.CreateStep(run, step))

    @precondition(lambda self: self.steps)
    @rule(
        slot=SLOTS,
        event=st.sampled_from([ops.StartStep, ops.CompleteStep, ops.FailStep]),
        resolve=RESOLVE,
    )
    def step_event(self, slot: int, event: type[ops.StartStep], resolve: str) -> None:
        run, step = self.steps[slot % len(self.steps)]
        self._perform(event(run, step, resolve=resolve))  # type: ignore[arg-type]

    @precondition(lambda self: self.runs and self.line is SpecLine.LINE_5)
    @rule(slot=SLOTS, again=st.booleans(), resolve=RESOLVE)
    def start_a_step_lazily(self, slot: int, again: bool, resolve: str) -> None:
        if again and self.steps:
            run, step = self.steps[slot % len(self.steps)]
            self._perform(ops.StartStepLazily(run, step, resolve=resolve))  # type: ignore[arg-type]
            return
        run, step = self.runs[slot % len(self.runs)], self._symbol("step")
        self._perform(ops.StartStepLazily(run, step, resolve=resolve))  # type: ignore[arg-type]
        self.steps.append((run, step))

    @precondition(lambda self: self.steps)
    @rule(slot=SLOTS, retry_in=st.sampled_from([None, -60, 1, 30, 3600]))
    def retry_step(self, slot: int, retry_in: int | None) -> None:
        run, step = self.steps[slot % len(self.steps)]
        self._perform(ops.RetryStep(run, step, retry_in))

    # --- hooks --------------------------------------------------------------------------

    @precondition(lambda self: self.runs)
    @rule(slot=SLOTS, token=TOKENS, webhook=st.booleans())
    def create_hook(self, slot: int, token: int, webhook: bool) -> None:
        run, hook = self.runs[slot % len(self.runs)], self._symbol("hook")
        self._perform(ops.CreateHook(run, hook, f"token_{token}", webhook))
        self.hooks.append((run, hook))

    @precondition(lambda self: self.hooks)
    @rule(slot=SLOTS, token=TOKENS)
    def create_a_hook_again(self, slot: int, token: int) -> None:
        run, hook = self.hooks[slot % len(self.hooks)]
        self._perform(ops.CreateHook(run, hook, f"token_{token}"))

    @precondition(lambda self: self.hooks)
    @rule(slot=SLOTS, event=st.sampled_from([ops.ReceiveHook, ops.DisposeHook]), resolve=RESOLVE)
    def hook_event(self, slot: int, event: type[ops.ReceiveHook], resolve: str) -> None:
        run, hook = self.hooks[slot % len(self.hooks)]
        self._perform(event(run, hook, resolve=resolve))  # type: ignore[arg-type]

    # --- waits and time -----------------------------------------------------------------

    @precondition(lambda self: self.runs)
    @rule(slot=SLOTS, resume_in=st.sampled_from([-5, 10, 600]))
    def create_wait(self, slot: int, resume_in: int) -> None:
        run, wait = self.runs[slot % len(self.runs)], self._symbol("wait")
        self._perform(ops.CreateWait(run, wait, resume_in))
        self.waits.append((run, wait))

    @precondition(lambda self: self.waits)
    @rule(slot=SLOTS, again=st.booleans())
    def wait_event(self, slot: int, again: bool) -> None:
        run, wait = self.waits[slot % len(self.waits)]
        self._perform(ops.CreateWait(run, wait) if again else ops.CompleteWait(run, wait))

    @precondition(lambda self: self.movable)
    @rule(seconds=st.sampled_from([1, 2, 30, 3600]))
    def tick(self, seconds: int) -> None:
        self._perform(ops.Tick(seconds))

    # --- reads --------------------------------------------------------------------------

    @precondition(lambda self: self.runs)
    @rule(slot=SLOTS, resolve=RESOLVE)
    def get_run(self, slot: int, resolve: str) -> None:
        self._perform(ops.GetRun(self.runs[slot % len(self.runs)], resolve))  # type: ignore[arg-type]

    @precondition(lambda self: self.steps)
    @rule(slot=SLOTS, by_id_alone=st.booleans())
    def get_step(self, slot: int, by_id_alone: bool) -> None:
        run, step = self.steps[slot % len(self.steps)]
        by_id_alone = by_id_alone and self.line is SpecLine.LINE_4
        self._perform(ops.GetStep(step, None if by_id_alone else run))

    @precondition(lambda self: self.hooks)
    @rule(slot=SLOTS)
    def get_hook(self, slot: int) -> None:
        self._perform(ops.GetHook(self.hooks[slot % len(self.hooks)][1]))

    @rule(token=TOKENS)
    def get_hook_by_token(self, token: int) -> None:
        self._perform(ops.GetHookByToken(f"token_{token}"))

    @precondition(lambda self: self.runs)
    @rule(slot=SLOTS, limit=LIMITS, order=st.sampled_from(["asc", "desc"]), resolve=RESOLVE)
    def list_events(self, slot: int, limit: int, order: str, resolve: str) -> None:
        run = self.runs[slot % len(self.runs)]
        self._perform(ops.ListEvents(run, limit, order, resolve))  # type: ignore[arg-type]

    @precondition(lambda self: self.steps or self.hooks or self.waits)
    @rule(slot=SLOTS, limit=LIMITS)
    def list_by_correlation_id(self, slot: int, limit: int) -> None:
        entities = self.steps + self.hooks + self.waits
        run, correlation = entities[slot % len(entities)]
        self._perform(ops.ListByCorrelation(run, correlation, limit))

    @rule(
        workflow=WORKFLOWS,
        status=st.sampled_from([None, "pending", "running", "completed", "failed", "cancelled"]),
        limit=LIMITS,
    )
    def list_runs(self, workflow: int, status: str | None, limit: int) -> None:
        self._perform(ops.ListRuns(f"workflow_{workflow}", status, limit))  # type: ignore[arg-type]

    @precondition(lambda self: self.runs)
    @rule(slot=SLOTS, limit=LIMITS, hooks=st.booleans())
    def list_steps_or_hooks(self, slot: int, limit: int, hooks: bool) -> None:
        run = self.runs[slot % len(self.runs)]
        self._perform(ops.ListHooks(run, limit) if hooks else ops.ListSteps(run, limit))


def model_factory(
    spec: WorldSpec, line: SpecLine, loop: asyncio.AbstractEventLoop, budget: Budget, evidence: Evidence
) -> Callable[[], WorldModel]:
    """What ``run_state_machine_as_test`` calls for each example: a machine on ``spec``, judged
    on ``line``. Once ``budget`` is spent, examples open no World and make no calls
    (``evidence`` counts the sequences that ran and says the budget was reached)."""
    return lambda: WorldModel(spec, line, loop, budget, evidence)
