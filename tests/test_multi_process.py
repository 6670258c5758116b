"""The multi-process races (LIN-006) against Worlds that share storage between processes."""

from __future__ import annotations

from typing import Any

from tests.kit_runner import run_kit
from tests.shared_file_world import SharedFileWorld


class UnsharedFileWorld(SharedFileWorld):
    """Declares multi_process but does not say how another process opens the same storage, so
    each worker opens a fresh directory of its own."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        del self.worldspec_shared_options


def test_a_world_shared_between_processes_passes_the_races_across_processes() -> None:
    outcomes = run_kit("tests.shared_file_world:SharedFileWorld", "-k", "LIN-006")
    process = outcomes.pop("__process__")
    assert outcomes == {"LIN-006": "pass"}, process.stdout[-4000:]


def test_workers_that_do_not_share_the_storage_are_reported_as_such() -> None:
    outcomes = run_kit("tests.test_multi_process:UnsharedFileWorld", "-k", "LIN-006")
    process = outcomes.pop("__process__")
    assert outcomes == {"LIN-006": "fail"}, process.stdout[-4000:]
    assert "do not share its storage" in process.stdout
    assert "worldspec_shared_options" in process.stdout
