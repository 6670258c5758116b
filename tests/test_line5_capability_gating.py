"""The kit judges RET, HRET and DEDUP only on a 5.x World that declares the capability: the
``retention`` data capability (``worldspec.line5.Capabilities``) and upstream's ``capabilities``
member (``hookRetention: {active: true}``, ``hookResumeDedup: true``); a World that does not is
skipped, and its records name the capability."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from conformance.world.capabilities import capabilities_of
from reference_worlds.memory import MemoryWorld
from tests.kit_runner import run_kit
from worldspec.capabilities import Capability
from worldspec.line5 import capabilities as line5


class MemoryWorldPromisingNothing(MemoryWorld):
    """The memory World at spec 7 that tells the runtime of no capability and the kit of no
    retention, though it implements them."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**{"spec_version": 7, **options})
        self.capabilities = line5.WorldCapabilities(hook_retention=line5.HookRetention(active=False))
        declared = self.worldspec_capabilities
        assert isinstance(declared, line5.Capabilities)
        self.worldspec_capabilities = dataclasses.replace(declared, retention=False)


def test_the_upstream_member_is_the_declaration_of_hook_retention_and_dedup() -> None:
    world = MemoryWorld(spec_version=7)
    found = capabilities_of(world)
    assert found.has(Capability.HOOK_RETENTION) and found.has(Capability.HOOK_RESUME_DEDUP)
    assert found.has(Capability.RETENTION)
    quiet = capabilities_of(MemoryWorldPromisingNothing())
    assert not any(
        quiet.has(capability)
        for capability in (Capability.RETENTION, Capability.HOOK_RETENTION, Capability.HOOK_RESUME_DEDUP)
    )
    assert not capabilities_of(MemoryWorld()).has(Capability.HOOK_RETENTION), "a 4.x World has no member"


def test_a_world_that_declares_none_is_skipped_for_each(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    outcomes = run_kit(f"{__name__}:MemoryWorldPromisingNothing", "-k", "RET- or DEDUP-", keep_report=report)
    process = outcomes["__process__"]
    assert process.returncode == 0, process.stdout + process.stderr
    skipped = {
        entry["id"]: entry["skipped_for"]
        for entry in json.loads(report.read_text())["invariants"]
        if entry["outcome"] == "skip"
    }
    expected = {f"RET-00{n}": "retention" for n in range(1, 5)}
    expected |= {f"HRET-00{n}": "hook_retention" for n in range(1, 7)}
    expected |= {f"DEDUP-00{n}": "hook_resume_dedup" for n in range(1, 4)}
    assert {ident: skipped.get(ident) for ident in expected} == expected
