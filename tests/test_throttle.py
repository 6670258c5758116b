"""Rate limits waited out as the runtime waits them out (conformance/world/throttle.py)."""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path

import pytest

from conformance.reporting.records import read_records
from conformance.world import throttle
from tests.kit_runner import run_kit
from worldspec.errors import EntityConflictError, ThrottleError


@pytest.mark.parametrize(
    ("retry_after", "waited"),
    [(0.25, 0.25), (0, 0.0), (-3, 0.0), (600, throttle.LONGEST_WAIT), (None, throttle.DEFAULT_RETRY_AFTER)],
)
def test_a_throttle_is_waited_its_retry_after_within_bounds(retry_after: float | None, waited: float) -> None:
    assert throttle.throttle_wait(ThrottleError("slow down", retry_after=retry_after)) == waited


def test_a_retry_after_that_is_no_number_is_waited_the_default() -> None:
    for odd in ("2", True, math.nan, math.inf):
        error = ThrottleError("slow down")
        error.retry_after = odd  # type: ignore[assignment]
        assert throttle.throttle_wait(error) == throttle.DEFAULT_RETRY_AFTER, odd


def test_other_errors_are_no_throttle() -> None:
    assert throttle.throttle_wait(EntityConflictError("exists")) is None
    assert throttle.throttle_wait(RuntimeError("ThrottleError")) is None


def test_a_refused_call_is_made_again_until_it_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle, "_gave_up", False)
    attempts: list[int] = []

    async def call() -> str:
        attempts.append(len(attempts))
        if len(attempts) < 3:
            raise ThrottleError("slow down", retry_after=0.01)
        return "taken"

    before = throttle.refusals()
    assert asyncio.run(throttle.answered(call)) == "taken"
    assert len(attempts) == 3 and throttle.refusals() - before == 2


def test_a_world_that_refuses_past_the_bound_is_answered_by_its_refusal_from_then_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past ``THROTTLED_AT_MOST`` the refusal is the answer, and later refusals are not waited
    for at all: a World that refuses for good cannot keep the run going."""
    monkeypatch.setattr(throttle, "_gave_up", False)
    monkeypatch.setattr(throttle, "THROTTLED_AT_MOST", 0.05)
    attempts: list[int] = []

    async def refused() -> str:
        attempts.append(1)
        raise ThrottleError("slow down", retry_after=0.02)

    with pytest.raises(ThrottleError):
        asyncio.run(throttle.answered(refused))
    assert 2 <= len(attempts) <= 4
    attempts.clear()
    with pytest.raises(ThrottleError):
        asyncio.run(throttle.answered(refused))
    assert len(attempts) == 1


def test_the_report_names_the_tests_a_rate_limited_world_throttled(tmp_path: Path) -> None:
    """``LimitsItsRate`` (tests/legal_worlds.py) refuses creates past its rate: LIST-007 passes
    on it, and its record and the terminal summary say how many calls were waited out."""
    report = tmp_path / "report.json"
    outcomes = run_kit("tests.legal_worlds:LimitsItsRate", "-k", "LIST-007", keep_report=report)
    process = outcomes.pop("__process__")
    assert outcomes == {"LIST-007": "pass"}, process.stdout[-3000:]
    record = read_records(json.loads(report.read_text()))["LIST-007"]
    assert record.throttled > 0
    assert "worldspec: rate limited" in process.stdout
    assert f"LIST-007 ({record.throttled})" in process.stdout
