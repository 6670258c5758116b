"""The FAULT family's judges and the picture of a history, on histories written by hand."""

from __future__ import annotations

import asyncio
from xml.etree import ElementTree

from conformance.checks import make
from conformance.faults import judge
from conformance.model.calls import WorldCall
from conformance.races.linearizability import OBSERVER, History
from conformance.races.picture import draw_history
from conformance.races.results import Observation, Outcome

RUN = make.new_id("wrun")
STEP = make.new_id("step")


def _create(request: object) -> WorldCall:
    return WorldCall("events.create", (RUN, request))


def _history(log: tuple[tuple[str, ...], ...], step: object, *, second: Outcome) -> History:
    """``run_created`` acknowledged, then ``step_created`` with outcome ``second``, then an
    observation that read ``log`` and ``step``."""
    history = History()
    history.add(
        "p1",
        _create(make.run_created()),
        1,
        2,
        Outcome("ok", (("event", "run_created", ""), ("run", "pending"))),
    )
    history.add("p1", _create(make.step_created(STEP)), 3, None if second.kind == "unknown" else 4, second)
    observed = (
        (f"hooks {RUN}", ()),
        (f"log {RUN}", log),
        (f"status {RUN}", ("run", RUN, "pending")),
        (f"step {STEP}", step),
    )
    history.add(OBSERVER, Observation((RUN,), ((RUN, STEP),)), 5, 6, Outcome("ok", observed))
    return history


STEP_ACKNOWLEDGED = Outcome("ok", (("event", "step_created", STEP), ("step", "pending", 0)))


def test_an_acknowledged_create_missing_after_the_restart_is_a_lost_write() -> None:
    history = _history((("run_created", ""),), "WorkflowWorldError", second=STEP_ACKNOWLEDGED)
    found = judge.acknowledged_kept(history)
    assert found is not None and found.anomaly == "lost-write"
    assert found.ops == (1, 2)


def test_a_create_logged_twice_is_a_duplicate_write() -> None:
    log = (("run_created", ""), ("step_created", STEP), ("step_created", STEP))
    history = _history(log, ("step", STEP, "pending", 0), second=STEP_ACKNOWLEDGED)
    found = judge.acknowledged_kept(history)
    assert found is not None and found.anomaly == "duplicate-write"


def test_an_unknown_create_may_be_absent_and_a_kept_one_passes() -> None:
    absent = _history((("run_created", ""),), "WorkflowWorldError", second=Outcome("unknown"))
    kept = _history(
        (("run_created", ""), ("step_created", STEP)), ("step", STEP, "pending", 0), second=STEP_ACKNOWLEDGED
    )
    assert judge.acknowledged_kept(absent) is None
    assert judge.acknowledged_kept(kept) is None
    assert judge.entities_match_logs(absent) is None
    assert judge.entities_match_logs(kept) is None


def test_a_step_its_log_does_not_explain_is_an_entity_log_mismatch_and_a_torn_write() -> None:
    history = _history((("run_created", ""),), ("step", STEP, "pending", 0), second=Outcome("unknown"))
    mismatch = judge.entities_match_logs(history)
    assert mismatch is not None and mismatch.anomaly == "entity-log-mismatch"
    torn = asyncio.run(judge.in_flight_atomic(history))
    assert torn is not None and torn.anomaly == "torn-write"


def test_only_retryable_refusals_are_allowed_while_connections_are_cut() -> None:
    history = History()
    history.add("p1", _create(make.run_created()), 10, 20, Outcome("error", "WorkflowWorldError"))
    history.add("p1", WorldCall("runs.get", (RUN,)), 30, 40, Outcome("error", "WorkflowRunNotFoundError"))
    history.add("p1", WorldCall("runs.get", (RUN,)), 100, 110, Outcome("error", "WorkflowRunNotFoundError"))
    found = judge.refusals_retryable(history, (15, 50))
    assert found is not None and found.ops == (1,)
    assert judge.retryable_as_unknown(history).ops[0].outcome.kind == "unknown"


def test_a_world_that_refuses_after_the_restart_does_not_answer_again() -> None:
    history = _history((("run_created", ""),), "WorkflowWorldError", second=Outcome("unknown"))
    probe = history.add("after", _create(make.run_created()), 7, 8, Outcome("error", "WorkflowWorldError"))
    found = judge.answers_again(history, [probe])
    assert found is not None and found.anomaly == "no-answer-after-restart" and found.ops == (probe.index,)


def test_the_picture_has_a_lane_per_client_a_bar_per_call_the_fault_and_the_anomaly() -> None:
    history = _history((("run_created", ""),), "WorkflowWorldError", second=STEP_ACKNOWLEDGED)
    svg = ElementTree.fromstring(draw_history(history, (1,), fault_at=5, fault_label="SIGKILL before call 3"))
    lanes = [
        text.text for text in svg.iter("{http://www.w3.org/2000/svg}text") if text.get("class") == "lane"
    ]
    assert lanes == ["p1", OBSERVER]
    calls = [
        group for group in svg.iter("{http://www.w3.org/2000/svg}g") if "call" in (group.get("class") or "")
    ]
    assert [group.get("class") for group in calls] == ["call", "call anomaly", "call"]
    fault = [group for group in svg.iter("{http://www.w3.org/2000/svg}g") if group.get("class") == "fault"]
    assert len(fault) == 1 and "SIGKILL before call 3" in ElementTree.tostring(fault[0], encoding="unicode")
