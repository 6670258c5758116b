"""The bridge when Node goes wrong: a process that exits or is killed mid-test, calls that never
come back, and ``NodeWorld.worldspec_abandon``. Uses the fixture packages
tests/node_fixtures/exiting-world and hanging-world, so no network is needed."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from reference_worlds.node import BridgeError, NodeWorld, channel, world
from worldspec.pagination import PaginationOptions

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="the bridge needs node and npm on PATH",
)

FIXTURES = Path(__file__).resolve().parent / "node_fixtures"
EXITING = str(FIXTURES / "exiting-world")
HANGING = str(FIXTURES / "hanging-world")
PROMPTLY = 3.0
"""Seconds within which a call on a dead or killed process must have failed."""

T = TypeVar("T")


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORLDSPEC_NODE_CACHE", str(tmp_path_factory.getbasetemp() / "node-cache"))


async def _started(package: str, **options: Any) -> NodeWorld:
    started = NodeWorld(package, **options)
    await started.start()
    return started


def _node_pid(of: NodeWorld) -> int:
    assert of._process is not None
    return of._process.pid


def _gone(pid: int) -> bool:
    """Whether ``pid`` has exited (a zombie not yet reaped counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, ProcessLookupError):
        # Reaped between the open and the read: the read then fails with ESRCH.
        return True


async def _timed(call: Callable[[], Awaitable[T]]) -> tuple[T, float]:
    started = time.monotonic()
    outcome = await call()
    return outcome, time.monotonic() - started


async def _failure_of(call: Awaitable[Any]) -> tuple[BridgeError, float]:
    started = time.monotonic()
    with pytest.raises(BridgeError) as raised:
        await asyncio.wait_for(call, 30)
    return raised.value, time.monotonic() - started


def test_a_process_that_exits_mid_call_fails_the_call_with_its_stderr() -> None:
    async def scenario() -> tuple[BridgeError, float, str, str, str]:
        dying = await _started(EXITING)
        error, waited = await _failure_of(dying.runs.get("wrun_exit"))
        diagnostics = dying.worldspec_diagnostics()
        await dying.close()
        fresh = await _started(EXITING)
        try:
            return error, waited, diagnostics, await fresh.get_deployment_id(), str(_node_pid(dying))
        finally:
            await fresh.close()

    error, waited, diagnostics, deployment, dead_pid = asyncio.run(scenario())
    assert "the Node process exited with code 7" in str(error)
    assert "exiting-world: giving up on wrun_exit, exiting with code 7" in str(error), "Node's last words"
    assert "giving up on wrun_exit" in diagnostics
    assert waited < PROMPTLY
    assert deployment.startswith("dpl_exiting_") and deployment != f"dpl_exiting_{dead_pid}", (
        "the next World gets a fresh process"
    )


def test_a_process_killed_by_a_signal_says_so() -> None:
    async def scenario() -> BridgeError:
        dying = await _started(EXITING)
        try:
            error, _ = await _failure_of(dying.runs.get("wrun_kill"))
            return error
        finally:
            await dying.close()

    error = asyncio.run(scenario())
    assert "the Node process died from signal SIGKILL" in str(error)
    assert "exiting-world: wrun_kill asks for SIGKILL" in str(error)


def test_a_call_after_the_process_died_fails_at_once_and_close_returns() -> None:
    async def scenario() -> tuple[BridgeError, float, float]:
        orphan = await _started(EXITING)
        pid = _node_pid(orphan)
        os.kill(pid, signal.SIGKILL)
        while not _gone(pid):
            await asyncio.sleep(0.01)
        error, waited = await _failure_of(orphan.get_deployment_id())
        _, closing = await _timed(orphan.close)
        return error, waited, closing

    error, waited, closing = asyncio.run(scenario())
    assert "SIGKILL" in str(error)
    assert waited < PROMPTLY and closing < PROMPTLY


def test_abandon_kills_a_process_waiting_on_a_call_that_never_settles() -> None:
    async def scenario() -> tuple[float, BridgeError, float, float, int, int]:
        stuck = await _started(HANGING)
        pid = _node_pid(stuck)
        call = asyncio.ensure_future(stuck.runs.get("wrun_hang"))
        await asyncio.sleep(0.2)
        assert not call.done(), "the fixture's runs.get should hang"
        started = time.monotonic()
        stuck.worldspec_abandon()
        abandoning = time.monotonic() - started
        error, waited = await _failure_of(call)
        _, closing = await _timed(stuck.close)
        later = await _started(HANGING)
        try:
            assert (await later.runs.get("wrun_fine")).run_id == "wrun_fine"
            return abandoning, error, waited, closing, pid, _node_pid(later)
        finally:
            await later.close()

    abandoning, error, waited, closing, pid, later_pid = asyncio.run(scenario())
    assert abandoning < 0.05, "worldspec_abandon never blocks"
    assert "killed by the bridge" in str(error)
    assert waited < PROMPTLY and closing < PROMPTLY
    assert _gone(pid) and later_pid != pid


def test_abandon_kills_a_process_spinning_in_a_listing() -> None:
    async def scenario() -> tuple[BridgeError, float, int]:
        spinning = await _started(HANGING)
        pid = _node_pid(spinning)
        call = asyncio.ensure_future(spinning.events.list("wrun_spin"))
        await asyncio.sleep(0.2)
        spinning.worldspec_abandon()
        error, waited = await _failure_of(call)
        await spinning.close()
        return error, waited, pid

    error, waited, pid = asyncio.run(scenario())
    assert "killed by the bridge" in str(error) and waited < PROMPTLY
    assert _gone(pid)


def test_abandon_fails_the_calls_of_every_world_sharing_the_process() -> None:
    async def scenario() -> BridgeError:
        first, second = await _started(HANGING), await _started(HANGING)
        assert _node_pid(first) == _node_pid(second)
        waiting = asyncio.ensure_future(second.runs.get("wrun_hang_too"))
        await asyncio.sleep(0.1)
        first.worldspec_abandon()
        error, _ = await _failure_of(waiting)
        await first.close()
        await second.close()
        return error

    assert "killed by the bridge" in str(asyncio.run(scenario()))


def test_an_endless_listing_is_the_kit_s_to_stop_and_every_page_comes_back() -> None:
    async def scenario() -> list[str | None]:
        endless = await _started(HANGING)
        cursors: list[str | None] = []
        page = PaginationOptions(limit=10)
        try:
            for _ in range(5):
                listed = await endless.runs.list(pagination=page)
                assert listed.has_more and listed.cursor is not None
                cursors.append(listed.cursor)
                page = PaginationOptions(limit=10, cursor=listed.cursor)
            return cursors
        finally:
            await endless.close()

    assert asyncio.run(scenario()) == [f"page-{n}" for n in range(1, 6)]


def test_a_call_with_no_reply_fails_after_the_bridge_s_own_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(channel, "CALL_TIMEOUT", 0.3)
    monkeypatch.setattr(channel, "WATCH_INTERVAL", 0.05)

    async def scenario() -> tuple[BridgeError, float, str]:
        stuck = await _started(HANGING)
        try:
            error, waited = await _failure_of(stuck.runs.get("wrun_hang"))
            return error, waited, await stuck.get_deployment_id()
        finally:
            await stuck.close()

    error, waited, deployment = asyncio.run(scenario())
    assert "runs.get: no reply within" in str(error) and 0.3 <= waited < PROMPTLY
    assert deployment == "dpl_hanging", "the channel still works for other calls"


def test_a_close_that_hangs_in_node_kills_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(world, "CLOSE_TIMEOUT", 0.3)

    async def scenario() -> tuple[BridgeError, float, int, int]:
        stubborn = await _started(HANGING, config={"hangOnClose": True})
        pid = _node_pid(stubborn)
        error, waited = await _failure_of(stubborn.close())
        later = await _started(HANGING)
        try:
            return error, waited, pid, _node_pid(later)
        finally:
            await later.close()

    error, waited, pid, later_pid = asyncio.run(scenario())
    assert "close() took more than" in str(error) and waited < PROMPTLY
    assert later_pid != pid
