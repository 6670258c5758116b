"""The linearizability checker on hand-built histories: what it accepts, what it refuses, and
how it explains a refusal."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from conformance.checks import make, make_line5
from conformance.model.calls import WorldCall
from conformance.races.linearizability import OBSERVER, READER, SETUP, History, Violation, check
from conformance.races.results import MISPLACED_SLOT, REPEATED_EVENT_ID, Observation, Outcome, log_summary
from conformance.world.oracle import as_world, new_oracle, oracle_factory

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


def test_reads_made_during_the_race_are_shown_not_judged() -> None:
    """A read overlapping the creates saw a run no serial order holds at any point: §8 does not
    bind reads, so the history stays linearizable; with a duplicate create beside it, the
    report lists the read and says it was not judged."""
    run_id = make.new_id("wrun")
    impossible = Outcome("ok", (("run", run_id, "completed"),))
    read = (READER, WorldCall("runs.get", (run_id,)), 2, 8, impossible)
    assert _check(_history(("c1", _created(run_id), 0, 10, CREATED), read)) is None
    violation = _check(
        _history(("c1", _created(run_id), 0, 10, CREATED), read, ("c2", _created(run_id), 1, 11, CREATED))
    )
    assert violation is not None
    assert all(op.client != READER for op in violation.witness)
    assert "[reader] calls were reads made during the race; they are shown, not judged." in violation.report()
    assert "[reader] runs.get" in violation.report()


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


LINE_5 = oracle_factory(7)
RUN_EXPIRED = Outcome("error", "RunExpiredError")


def _create(run_id: str, request: Any) -> WorldCall:
    return WorldCall("events.create", (run_id, request))


def _ended_run_with_a_hook(run_id: str, hook_id: str) -> list[tuple[str, Any, int, int | None, Outcome]]:
    """Setup calls (with the 5.x oracle's outcomes) that leave ``hook_id`` on ``run_id``, then end the run."""
    token = f"token-{hook_id}"
    return [
        (SETUP, _create(run_id, make_line5.run_created()), 0, 1, CREATED),
        (SETUP, _create(run_id, make.run_started()), 2, 3, Outcome("ok", (("run", "running"),))),
        (
            SETUP,
            _create(run_id, make.hook_created(hook_id, token)),
            4,
            5,
            Outcome("ok", (("event", "hook_created", hook_id), ("hook", hook_id, token))),
        ),
        (
            SETUP,
            _create(run_id, make.run_completed()),
            6,
            7,
            Outcome("ok", (("event", "run_completed", ""), ("run", "completed"))),
        ),
    ]


def test_on_the_5x_line_a_receive_on_an_ended_run_may_be_refused_as_expired() -> None:
    """v7 §4.4 lets a World refuse it with ``RunExpiredError`` where the oracle says
    ``HookNotFoundError``; the 4.x line allows only the latter."""
    run_id, hook_id = make.new_id("wrun"), make.new_id("hook")
    receive = ("c1", _create(run_id, make.hook_received(hook_id)), 8, 9, RUN_EXPIRED)
    history = _history(*_ended_run_with_a_hook(run_id, hook_id), receive)
    assert asyncio.run(check(history, LINE_5)) is None
    on_line_4 = _check(history)
    assert on_line_4 is not None
    assert on_line_4.anomaly == "wrong-error"


def test_on_the_5x_line_a_receive_on_a_live_run_is_not_expired() -> None:
    """The choice is only the ended run's: a missing hook of a live run is ``HookNotFoundError``."""
    run_id = make.new_id("wrun")
    history = _history(
        (SETUP, _create(run_id, make_line5.run_created()), 0, 1, CREATED),
        ("c1", _create(run_id, make.hook_received(make.new_id("hook"))), 2, 3, RUN_EXPIRED),
    )
    violation = asyncio.run(check(history, LINE_5))
    assert violation is not None
    assert violation.anomaly == "wrong-error"
    assert "HookNotFoundError" in violation.report()


def test_on_the_5x_line_a_start_losing_to_an_ending_may_be_a_conflict() -> None:
    """``run_started`` ∥ ``run_completed`` on a pending run, the start refused with
    ``EntityConflictError`` and the log without it: v7 §4.2 allows it, the 4.x checker does not
    (ordered after the ending, a start is ``RunExpiredError`` there)."""
    run_id = make.new_id("wrun")
    completed = Outcome("ok", (("event", "run_completed", ""), ("run", "completed")))
    observed = (
        (f"hooks {run_id}", ()),
        (f"log {run_id}", (("run_created", ""), ("run_completed", ""))),
        (f"status {run_id}", ("run", run_id, "completed")),
    )
    history = _history(
        (SETUP, _create(run_id, make_line5.run_created()), 0, 1, CREATED),
        ("c1", _create(run_id, make.run_completed()), 2, 10, completed),
        ("c2", _create(run_id, make.run_started()), 3, 11, CONFLICT),
        (OBSERVER, Observation((run_id,)), 12, 13, Outcome("ok", observed)),
    )
    assert asyncio.run(check(history, LINE_5)) is None
    assert _check(history) is not None


def _created_then_observed(run_id: str, created: Any, log: tuple[tuple[str, ...], ...]) -> History:
    """A history in which ``created`` makes the pending run ``run_id``, then an observer reads
    ``log`` as its log and no hooks."""
    observed = (
        (f"hooks {run_id}", ()),
        (f"log {run_id}", log),
        (f"status {run_id}", ("run", run_id, "pending")),
    )
    return _history(
        (SETUP, _create(run_id, created), 0, 1, CREATED),
        (OBSERVER, Observation((run_id,)), 2, 3, Outcome("ok", observed)),
    )


def test_a_log_with_one_event_id_twice_is_a_reused_event_id() -> None:
    """Two events of one 4.x run under one eventId (each create took the id after the one it
    read last): the log summary marks it, and the checker names the anomaly from the state."""

    async def tampered_log() -> tuple[str, tuple[tuple[str, ...], ...]]:
        world = as_world(await new_oracle())
        result = await world.events.create(None, make.run_created())
        run_id = result.run.run_id
        await world.events.create(run_id, make.step_created(make.new_id("step")))
        await world.events.create(run_id, make.step_created(make.new_id("step")))
        events = (await world.events.list(run_id)).data
        doubled = [*events[:2], events[2].model_copy(update={"event_id": events[1].event_id})]
        return run_id, log_summary(doubled)

    run_id, log = asyncio.run(tampered_log())
    assert log[-1][0] == REPEATED_EVENT_ID
    assert log[-1][1] == "3"
    violation = _check(_created_then_observed(run_id, make.run_created(), log))
    assert violation is not None
    assert violation.anomaly == "reused-event-id"


def test_a_slot_numbered_log_out_of_place_is_a_misplaced_slot() -> None:
    """Two events of one run that took the same slot: the log summary says so, and the checker
    names the anomaly from the state read afterwards."""

    async def tampered_log() -> tuple[str, tuple[tuple[str, ...], ...]]:
        world = as_world(await LINE_5())
        result = await world.events.create(None, make_line5.run_created())
        run_id = result.run.run_id
        await world.events.create(
            run_id, make.wait_created(make.new_id("wait"), datetime(2999, 1, 1, tzinfo=UTC))
        )
        events = (await world.events.list(run_id)).data
        doubled = [events[0], events[1].model_copy(update={"event_id": events[0].event_id})]
        return run_id, log_summary(doubled)

    run_id, log = asyncio.run(tampered_log())
    assert log[-1][0] == MISPLACED_SLOT
    assert log[-1][1] == "2"
    violation = asyncio.run(check(_created_then_observed(run_id, make_line5.run_created(), log), LINE_5))
    assert violation is not None
    assert violation.anomaly == "misplaced-slot"
