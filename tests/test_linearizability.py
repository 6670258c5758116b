"""The linearizability checker on hand-built histories: what it accepts, what it refuses, and
how it explains a refusal."""

from __future__ import annotations

import asyncio
from typing import Any

from conformance.checks import make
from conformance.model.calls import WorldCall
from conformance.races.linearizability import OBSERVER, SETUP, History, Violation, check
from conformance.races.results import Observation, Outcome
from conformance.world.oracle import new_oracle

CREATED = Outcome("ok", (("event", "run_created", ""), ("run", "pending")))
CONFLICT = Outcome("error", "EntityConflictError")


def _created(run_id: str) -> WorldCall:
    return WorldCall("events.create", (run_id, make.run_created()))


def _check(history: History) -> Violation | None:
    return asyncio.run(check(history, new_oracle))


def _history(*calls: tuple[str, Any, int, int | None, Outcome]) -> History:
    history = History()
    for client, call, invoked, returned, outcome in calls:
        history.add(client, call, invoked, returned, outcome)
    return history


def test_concurrent_creates_with_one_winner_are_linearizable() -> None:
    run_id = make.new_id("wrun")
    history = _history(
        ("c1", _created(run_id), 0, 10, CONFLICT),
        ("c2", _created(run_id), 1, 11, CREATED),
        ("c3", _created(run_id), 2, 12, CONFLICT),
    )
    assert _check(history) is None


def test_real_time_order_is_respected() -> None:
    """c1's conflict returned before c2 was invoked, so no order puts c2's create first."""
    run_id = make.new_id("wrun")
    history = _history(
        ("c1", _created(run_id), 0, 5, CONFLICT),
        ("c2", _created(run_id), 6, 10, CREATED),
    )
    violation = _check(history)
    assert violation is not None
    assert violation.anomaly == "spurious-error"
    assert [op.client for op in violation.witness] == ["c1"]


def test_two_winners_are_a_duplicate_create_shown_by_two_calls() -> None:
    run_id = make.new_id("wrun")
    history = _history(
        ("c1", _created(run_id), 0, 10, CREATED),
        ("c2", _created(run_id), 1, 11, CONFLICT),
        ("c3", _created(run_id), 2, 12, CREATED),
        ("c4", _created(run_id), 3, 13, CREATED),
    )
    violation = _check(history)
    assert violation is not None
    assert violation.anomaly == "duplicate-create"
    assert len(violation.witness) == 2
    assert all(op.outcome == CREATED for op in violation.witness)
    assert "smallest witness" in violation.report()


def test_a_call_with_unknown_outcome_may_or_may_not_have_happened() -> None:
    run_id = make.new_id("wrun")
    unknown = Outcome("unknown")
    took_effect = _history(
        ("c1", _created(run_id), 0, None, unknown), ("c2", _created(run_id), 1, 9, CONFLICT)
    )
    never_happened = _history(
        ("c1", _created(run_id), 0, None, unknown), ("c2", _created(run_id), 1, 9, CREATED)
    )
    assert _check(took_effect) is None
    assert _check(never_happened) is None


def test_the_state_read_afterwards_must_be_explained_too() -> None:
    """Both calls' answers fit a serial order, but the log read afterwards holds two
    run_created: the observation is the witness."""
    run_id = make.new_id("wrun")
    observed = (
        (f"hooks {run_id}", ()),
        (f"log {run_id}", (("run_created", ""), ("run_created", ""))),
        (f"status {run_id}", ("run", run_id, "pending")),
    )
    history = _history(
        ("c1", _created(run_id), 0, 10, CREATED),
        ("c2", _created(run_id), 1, 11, CONFLICT),
        (OBSERVER, Observation((run_id,)), 12, 13, Outcome("ok", observed)),
    )
    violation = _check(history)
    assert violation is not None
    assert violation.anomaly == "duplicate-create"
    assert any(op.client == OBSERVER for op in violation.witness)
    assert "state read afterwards differs" in violation.report()


def test_setup_calls_stay_in_the_witness_as_context() -> None:
    run_id, step_id = make.new_id("wrun"), make.new_id("step")
    step_created = Outcome("ok", (("event", "step_created", step_id), ("step", "pending", 0)))
    step_started = Outcome("ok", (("event", "step_started", step_id), ("step", "running", 1)))
    completed = Outcome("ok", (("event", "step_completed", step_id), ("step", "completed", 1)))
    failed = Outcome("ok", (("event", "step_failed", step_id), ("step", "failed", 1)))
    history = _history(
        (SETUP, _created(run_id), 0, 1, CREATED),
        (SETUP, WorldCall("events.create", (run_id, make.step_created(step_id))), 2, 3, step_created),
        (SETUP, WorldCall("events.create", (run_id, make.step_started(step_id))), 4, 5, step_started),
        ("c1", WorldCall("events.create", (run_id, make.step_completed(step_id))), 6, 10, completed),
        ("c2", WorldCall("events.create", (run_id, make.step_failed(step_id))), 7, 11, failed),
    )
    violation = _check(history)
    assert violation is not None
    assert violation.anomaly == "double-terminal"
    assert [op.client for op in violation.witness] == [SETUP, SETUP, SETUP, "c1", "c2"]
