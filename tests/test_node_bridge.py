"""The Node bridge on its own: values, errors, output, lifetime. Uses a local fixture package
(tests/node_fixtures/fixture-world), so no network is needed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from reference_worlds.node import BridgeError, NodeWorld, channel
from reference_worlds.node.channel import open_channel
from reference_worlds.node.process import process_for
from reference_worlds.node.schema import argument_problems, frame_problems
from worldspec import errors
from worldspec.validation import MalformedAnswer
from worldspec.wire import from_tagged
from worldspec.wire_types import MISSING

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="the bridge needs node and npm on PATH",
)

FIXTURE = Path(__file__).resolve().parent / "node_fixtures" / "fixture-world"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORLDSPEC_NODE_CACHE", str(tmp_path_factory.getbasetemp() / "node-cache"))


async def _started(**options: Any) -> NodeWorld:
    world = NodeWorld(str(FIXTURE), **options)
    await world.start()
    return world


TRICKY_VALUES: list[Any] = [
    b"",
    bytes(range(256)),
    {"nested": [{"deep": b"\x00\x80\xff"}], "text": "AAEC/w==", "numbers": [72, 105]},
    {"$bytes": "not a tag, a user object"},
    {"$object": {"$bytes": "x"}},
    [MISSING, None, 0, False, ""],
    datetime(2024, 2, 29, 23, 59, 59, 123000, tzinfo=UTC),
    "héllo ✓ \u0000 end",
    {"": {"": "empty keys"}},
]


@pytest.mark.parametrize("value", TRICKY_VALUES, ids=lambda value: type(value).__name__)
def test_values_cross_both_ways_unchanged(value: Any) -> None:
    async def echo() -> Any:
        connection = await open_channel(process_for(None, {}))
        try:
            return from_tagged(await connection.call("bridge.echo", None, [value]))
        finally:
            connection.close()

    assert asyncio.run(echo()) == value


def test_world_errors_keep_name_message_and_status() -> None:
    async def scenario() -> tuple[BaseException, BaseException]:
        world = await _started()
        try:
            with pytest.raises(errors.EntityConflictError) as conflict:
                await world.events.create(None, _run_created())
            with pytest.raises(errors.WorkflowError) as plain:
                await world.events.get("wrun_x", "evnt_x")
            return conflict.value, plain.value
        finally:
            await world.close()

    conflict, plain = asyncio.run(scenario())
    assert isinstance(conflict, errors.EntityConflictError)
    assert conflict.status == 409 and conflict.message == "the run already exists"
    assert "TypeError: boom" in str(plain), "a JavaScript error outside the taxonomy keeps its name"


def test_a_malformed_result_is_a_malformed_answer_naming_the_field() -> None:
    """A result that fails the model check is a ``MalformedAnswer``: the World answered, so the
    kit never takes it for a refusal (a plain ``ValidationError`` is what a World raises)."""

    async def scenario() -> None:
        world = await _started()
        try:
            await world.runs.get("wrun_x")
        finally:
            await world.close()

    with pytest.raises(MalformedAnswer, match="status"):
        asyncio.run(scenario())


def test_a_user_object_shaped_like_a_tag_in_a_result_is_decoded_once() -> None:
    async def scenario() -> Any:
        world = await _started()
        try:
            return (await world.runs.get("wrun_tagged")).execution_context
        finally:
            await world.close()

    assert asyncio.run(scenario()) == {"nested": {"$bytes": "AAAA"}, "bytes": b"\x00\x00\x00"}


def test_stream_chunks_arrive_and_a_non_bytes_chunk_is_refused() -> None:
    async def scenario() -> list[bytes]:
        world = await _started()
        read: list[bytes] = []
        try:
            with pytest.raises(MalformedAnswer, match="expected bytes, got str"):
                async for chunk in world.read_from_stream("any"):
                    read.append(chunk)
            return read
        finally:
            await world.close()

    assert asyncio.run(scenario()) == [b"\x00\xff"]


PRINTED = "fixture-world: created (a raw stdout write)"


def test_printing_does_not_corrupt_the_channel_and_is_kept_for_reports() -> None:
    """What the World prints reaches the report's diagnostics. Node's stderr is a pipe apart from
    the calls' socket, read by a thread of its own, so a line printed before a reply may be read
    after it: the test waits for the line (up to 10 s) rather than for the reply."""

    async def scenario() -> tuple[str, str]:
        world = await _started(config={"deploymentId": "dpl_printed"})
        try:
            deployment = await world.get_deployment_id()
            deadline = time.monotonic() + 10
            while PRINTED not in world.worldspec_diagnostics() and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            return deployment, world.worldspec_diagnostics()
        finally:
            await world.close()

    deployment, diagnostics = asyncio.run(scenario())
    assert deployment == "dpl_printed"
    assert PRINTED in diagnostics


def test_the_deployment_id_is_asked_once_per_world_and_a_failure_is_not_remembered() -> None:
    """docs/decisions.md, "The deployment id through the bridge": the first answer is kept for
    the World's life; a call that failed is asked again; a closed World answers nothing."""

    async def world_calls(world: NodeWorld) -> int:
        stats = await world.call("bridge.stats")
        return int(stats["worldCalls"])

    async def scenario() -> tuple[str, list[str], int, str]:
        world = await _started(config={"deploymentId": "dpl_once", "deploymentIdFailures": 1})
        try:
            with pytest.raises(errors.WorkflowError, match="DEPLOYMENT_ID is not set") as failed:
                await world.get_deployment_id()
            before = await world_calls(world)
            answers = [await world.get_deployment_id() for _ in range(3)]
            asked = await world_calls(world) - before
        finally:
            await world.close()
        with pytest.raises(BridgeError, match="not started") as closed:
            await world.get_deployment_id()
        return str(failed.value), answers, asked, str(closed.value)

    failure, answers, asked, closed = asyncio.run(scenario())
    assert "DEPLOYMENT_ID is not set" in failure
    assert answers == ["dpl_once"] * 3
    assert asked == 1, f"three calls after the failed one reached the World {asked} times, expected 1"
    assert "getDeploymentId" in closed


def test_a_world_works_on_uvloop_whose_transports_are_not_asyncio_s() -> None:
    """An application on uvloop (or a kit run on it) gets a working NodeWorld: calls, tagged
    values, a stream. uvloop's transports are not asyncio.Transport subclasses."""
    uvloop = pytest.importorskip("uvloop")

    async def scenario() -> tuple[str, datetime, list[bytes]]:
        world = await _started(config={"deploymentId": "dpl_uvloop"})
        try:
            run = await world.runs.get("wrun_tagged")
            chunks: list[bytes] = []
            with pytest.raises(MalformedAnswer):
                async for chunk in world.read_from_stream("strm_x"):
                    chunks.append(chunk)
            return await world.get_deployment_id(), run.created_at, chunks
        finally:
            await world.close()

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        deployment, created_at, chunks = runner.run(scenario())
    assert deployment == "dpl_uvloop"
    assert created_at == datetime(1970, 1, 1, tzinfo=UTC)
    assert chunks == [bytes([0, 255])], "the first chunk arrived before the one that is not bytes"


def test_config_gets_a_fresh_directory_per_world_and_env_reaches_node() -> None:
    async def scenario() -> tuple[list[str], str, bool]:
        world = await _started(config={"dataDir": "{fresh_dir}"}, env={"FIXTURE_DEPLOYMENT_ID": "dpl_env"})
        try:
            (directory,) = await world.list_streams_by_run_id("wrun_x")
            return [directory], await world.get_deployment_id(), Path(directory).is_dir()
        finally:
            await world.close()

    (directory,), deployment, existed = asyncio.run(scenario())
    assert existed and not Path(directory).exists(), "the directory exists while the World is open, then goes"
    assert deployment == "dpl_env"


def test_a_world_called_from_another_event_loop_says_so() -> None:
    opening = asyncio.new_event_loop()
    try:
        world = opening.run_until_complete(_started())
        with pytest.raises(BridgeError, match="called from an event loop other than the one that opened"):
            asyncio.run(world.get_deployment_id())
        assert opening.run_until_complete(world.get_deployment_id()) == "dpl_fixture"
        opening.run_until_complete(world.close())
    finally:
        opening.close()


def test_a_world_leaves_no_thread_running_after_close() -> None:
    async def warm_up() -> None:  # the shared process runs before the census
        await (await _started()).close()

    asyncio.run(warm_up())
    loop = asyncio.new_event_loop()
    try:
        before = {thread.ident for thread in threading.enumerate()}
        world = loop.run_until_complete(_started())
        loop.run_until_complete(world.close())
        time.sleep(0.2)
        left = [thread.name for thread in threading.enumerate() if thread.ident not in before]
    finally:
        loop.close()
    assert left == [], "the kit reports threads a World leaves running after close()"


def test_a_missing_export_is_reported_with_the_exports_there_are() -> None:
    with pytest.raises(BridgeError, match="no export createNothing; it has createWorld"):
        asyncio.run(_started(export="createNothing"))


def _run_created() -> Any:
    from worldspec.events import RunCreatedData, RunCreatedRequest

    return RunCreatedRequest(event_data=RunCreatedData(deployment_id="d", workflow_name="w", input=b""))


_HOLDER = textwrap.dedent(
    """
    import asyncio, signal, sys, time
    from reference_worlds.node.process import process_for
    # Ctrl-C as in a terminal: a process started by a pytest-xdist worker inherits SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    process = process_for(None, {})
    print(process.hello["pid"], flush=True)
    sys.stdin.readline()  # the test has seen Node alive
    if sys.argv[1] == "exit":
        sys.exit(0)
    time.sleep(60)
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _task_status(task: Path) -> dict[str, str]:
    """The fields of a thread's /proc status file (``/proc/PID/task/TID``), by name."""
    lines = (task / "status").read_text().splitlines()
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line)


def _thread_states(pid: int) -> str:
    """Each thread of ``pid``: its name, state, kernel wait channel and signal masks, from
    /proc (a holder that ignores its SIGINT shows whether the signal is pending or blocked)."""
    shown = []
    for task in sorted(Path(f"/proc/{pid}/task").iterdir()):
        with contextlib.suppress(OSError):
            fields = _task_status(task)
            wchan = (task / "wchan").read_text()
            wanted = ("Name", "State", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt")
            shown.append(
                f"{task.name}: "
                + ", ".join(f"{key} {fields.get(key, '?')}" for key in wanted)
                + f", wchan {wchan}"
            )
    return "\n".join(shown)


def _node_outlives(ending: str) -> bool:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, ending],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin is not None and holder.stdout is not None
    node_pid = int(holder.stdout.readline())
    assert _alive(node_pid)
    holder.stdin.write("end\n")
    holder.stdin.flush()
    if ending == "SIGKILL":
        holder.kill()
    elif ending == "SIGINT":
        holder.send_signal(signal.SIGINT)
    try:
        holder.wait(timeout=30)
    except subprocess.TimeoutExpired:
        threads = _thread_states(holder.pid)
        holder.kill()
        raise AssertionError(
            f"the holder outlived its {ending} by 30 s; its threads then:\n{threads}"
        ) from None
    deadline = time.monotonic() + 10
    while _alive(node_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _alive(node_pid)


@pytest.mark.parametrize("ending", ["exit", "SIGINT", "SIGKILL"])
def test_node_ends_when_python_ends(ending: str) -> None:
    assert not _node_outlives(ending), f"Node outlived its Python process ({ending})"


def _blocked_signals(native_id: int) -> set[int]:
    mask = int(_task_status(Path(f"/proc/self/task/{native_id}"))["SigBlk"], 16)
    return {number for number in range(1, 65) if mask >> (number - 1) & 1}


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads thread signal masks from /proc")
def test_the_bridge_threads_leave_signals_to_the_main_thread() -> None:
    """A Ctrl-C the kernel handed to the stderr reader would reach Python's handler only when the
    main thread next ran bytecode: a main thread asleep would sleep on (seen once as a holder
    that outlived its SIGINT by 30 s)."""
    process_for(None, {})
    readers = [thread for thread in threading.enumerate() if thread.name == "node-bridge-stderr"]
    assert readers, "no stderr reader thread found"
    for reader in readers:
        assert reader.native_id is not None
        blocked = _blocked_signals(reader.native_id)
        assert {signal.SIGINT, signal.SIGTERM, signal.SIGALRM} <= blocked, sorted(blocked)
    assert signal.SIGINT not in _blocked_signals(threading.main_thread().native_id or 0)


class _Recording(channel.Channel):
    """A channel that only collects the frames it reads."""

    def __init__(self) -> None:
        super().__init__(process=None, loop=None)  # type: ignore[arg-type]
        self.frames: list[Any] = []

    def _dispatch(self, frame: Any) -> None:
        self.frames.append(frame)


@pytest.mark.parametrize("read_size", [1, 3, 4096, 100_000, 1_000_000])
def test_frames_split_anywhere_across_reads_arrive_whole(read_size: int) -> None:
    frames = [
        {"kind": "result", "id": n, "value": "x" * size} for n, size in enumerate([0, 9, 70_000, 3, 300_000])
    ]
    bodies = [json.dumps(frame).encode() for frame in frames]
    wire = b"".join(len(body).to_bytes(4, "big") + body for body in bodies)
    reader = _Recording()
    offset = 0
    while offset < len(wire):
        view = reader.get_buffer(-1)  # held across buffer_updated, as asyncio holds it
        count = min(read_size, len(view), len(wire) - offset)
        view[:count] = wire[offset : offset + count]
        offset += count
        reader.buffer_updated(count)
    assert reader.frames == frames


def test_python_checks_frames_and_arguments_against_the_schema() -> None:
    assert argument_problems("events.create", [None, {"eventType": "run_created"}]) == []
    assert argument_problems("events.create", [1, {}]) == [
        "events.create argument 1: expected string|null, got integer"
    ]
    assert argument_problems("runs.get", []) == ["runs.get takes 1..2 arguments, got 0"]
    assert frame_problems({"kind": "result", "id": "7"}) == [
        "result.id: expected integer, got string",
        "result.value: required, but absent",
    ]


def test_node_refuses_a_call_whose_arguments_break_the_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(channel, "argument_problems", lambda method, args: [])

    async def scenario() -> None:
        connection = await open_channel(process_for(None, {}))
        try:
            await connection.call("runs.get", 1, [7])
        finally:
            connection.close()

    with pytest.raises(BridgeError, match=re.escape("runs.get argument 1: expected string, got integer")):
        asyncio.run(scenario())
