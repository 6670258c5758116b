"""CI certifies ``@workflow/world-local@4.4.1`` through the Node bridge with the whole kit.

The run reads known-failures/world-local-4.4.1.toml: its entries (findings written up in
docs/findings/world-local.md) must still fail, and every other invariant must pass; the two
races world-local loses only in some runs carry ``sometimes`` and may pass or fail
(tests/node_certification.py). The first run installs the package with npm; later runs reuse
the cache (see docs/bridge.md).
"""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from reference_worlds.node import NodeWorld
from tests.node_certification import KNOWN_FAILURES, certify, sometimes_failing
from worldspec.queue import HandlerTimeout, MessageMeta, QueuePayload, StepInvokePayload

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="the bridge needs node and npm on PATH",
)

PACKAGE = "@workflow/world-local@4.4.1"
KNOWN = KNOWN_FAILURES / "world-local-4.4.1.toml"


def test_world_local_passes_the_kit_except_its_known_failures(tmp_path: Path) -> None:
    # Concurrent duplicate creates race world-local's check-then-write (docs/findings/world-local.md,
    # "WAIT-002, STEP-002"): the kit's single race of 4-5 creates catches it in most runs, not all.
    # The transition tables (LIN-008..010) meet the same races once per pair, left to chance
    # through the bridge ("LIN-007 to LIN-010").
    # A Node process killed mid-create tears it only when the kill lands between its two writes
    # (docs/findings/world-local.md, "FAULT-002, FAULT-003"). RUN-011's concurrent endings are
    # left to chance too, and so are STEP-003's concurrent starts; each passed in one run. So did
    # LIN-005 (RUN-011 raced as cancel against completion) and HOOK-010 ("Timing-dependent
    # entries"), on several xdist workers.
    assert sometimes_failing(KNOWN) == {
        "RUN-011",
        "LIN-005",
        "HOOK-010",
        "STEP-002",
        "STEP-003",
        "WAIT-002",
        "LIN-008",
        "LIN-009",
        "LIN-010",
        "FAULT-002",
        "FAULT-003",
    }
    certify(PACKAGE, KNOWN, tmp_path, timeout=600)


def _payload() -> StepInvokePayload:
    return StepInvokePayload(
        workflow_name="wf", workflow_run_id="wrun_x", workflow_started_at=0, step_id="step_bridge"
    )


async def _deliveries(outcomes: list[Any]) -> list[tuple[MessageMeta, float]]:
    """Queue one message to a handler that answers with ``outcomes`` in turn (an exception is
    raised); return the meta and arrival time of each delivery."""
    world = NodeWorld(PACKAGE)
    await world.start()
    seen: list[tuple[MessageMeta, float]] = []
    done = asyncio.Event()

    async def handler(message: QueuePayload, meta: MessageMeta) -> HandlerTimeout | None:
        seen.append((meta, time.monotonic()))
        outcome = outcomes[len(seen) - 1]
        if len(seen) == len(outcomes):
            done.set()
        if isinstance(outcome, Exception):
            raise outcome
        return outcome  # type: ignore[no-any-return]

    try:
        await world.create_queue_handler("__wkf_step_", handler)
        queued = await world.queue("__wkf_step_bridge", _payload())
        await asyncio.wait_for(done.wait(), 30)
        assert all(meta.message_id == queued.message_id for meta, _ in seen)
        return seen
    finally:
        await world.close()


def test_a_handler_timeout_crosses_the_bridge() -> None:
    seen = asyncio.run(_deliveries([HandlerTimeout(timeout_seconds=0.5), None]))
    assert [meta.attempt for meta, _ in seen] == [1, 2]
    assert seen[1][1] - seen[0][1] >= 0.5


def test_a_handler_error_crosses_the_bridge() -> None:
    seen = asyncio.run(_deliveries([RuntimeError("handler failed"), None]))
    assert [meta.attempt for meta, _ in seen] == [1, 2]
