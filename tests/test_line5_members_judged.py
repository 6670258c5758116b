"""On the 5.x line the kit reads streams through ``world.streams`` and runs upstream's resilient
start fixture as written (spec 7): each fails a 5.x World broken only there
(tests/broken_line5_worlds.py), which the 4.x reading of the same invariant would pass. The
optional members are judged only where they are: a World without any of them is skipped on
each OPT invariant for the capability its test needs, never failed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.kit_runner import failed, run_kit


@pytest.mark.parametrize(
    ("factory", "invariant"),
    [("StreamsGetIgnoresStart", "STRM-004"), ("ResilientRunAtSpecSix", "RS-002")],
)
def test_a_world_broken_in_a_5x_member_fails_its_invariant(factory: str, invariant: str) -> None:
    outcomes = run_kit(f"tests.broken_line5_worlds:{factory}", "-k", invariant)
    process = outcomes.pop("__process__")
    assert failed(outcomes) == {invariant}, process.stdout[-3000:]


OPTIONAL_MEMBERS = {
    "OPT-001": "world_capabilities",
    "OPT-002": "wait_for_terminal_status",
    "OPT-003": "get_many",
    "OPT-004": "cancel_many",
    "OPT-005": "cancel_many",
    "OPT-006": "create_batch",
    "OPT-007": "create_batch",
    "OPT-008": "experimental_set_attributes",
    "OPT-009": "create_run_id",
    "OPT-010": "max_events",
}
"""Each OPT invariant and the capability (the member's presence, or the declared max_events)
its test needs."""


def test_a_world_without_the_optional_members_is_skipped_for_each(tmp_path: Path) -> None:
    kept = tmp_path / "report.json"
    outcomes = run_kit(
        "tests.legal_worlds:WithoutOptionalMembers", "-m", "optional_members", keep_report=kept
    )
    process = outcomes.pop("__process__")
    records = {entry["id"]: entry for entry in json.loads(kept.read_text())["invariants"]}
    skipped = {ident: records[ident]["skipped_for"] for ident in OPTIONAL_MEMBERS}
    assert set(outcomes.values()) == {"skip"}, process.stdout[-3000:]
    assert skipped == OPTIONAL_MEMBERS, process.stdout[-3000:]
