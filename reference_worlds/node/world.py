"""``NodeWorld``: a World published on npm, certified from Python through the Node bridge.

``pytest --world=reference_worlds.node:NodeWorld --world-opt package=@workflow/world-local@4.4.1``
installs the package once (``install.py``), builds one World instance per test inside a shared
Node process (``process.py``), talks to it over a connection of its own (``channel.py``) and
maps every World method both ways. See docs/bridge.md.

It speaks the line of the World it built: a World declaring spec version 6 or 7 gets the 5.x
storage, ``world.streams`` and ``capabilities`` (``storage_line5.py``); any other declared
version keeps the 4.x shape, and one that belongs to no line (4, 5) is built but not probed,
so the kit can refuse it by its ``spec_version``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

from reference_worlds.containers import service_url
from reference_worlds.inprocess_queue import AnyQueueHandler
from reference_worlds.node import results
from reference_worlds.node.channel import Channel, open_channel
from reference_worlds.node.databases import FreshDatabases, fresh_databases_for
from reference_worlds.node.faults import NodeRestarts
from reference_worlds.node.install import install, installed_version
from reference_worlds.node.options import (
    capabilities_option,
    config_option,
    env_option,
    overrides_option,
    package_option,
)
from reference_worlds.node.presets import FRESH_DATABASE, FRESH_DIR, Preset, package_name, preset_for
from reference_worlds.node.probes import probe_capabilities, probe_line5_capabilities
from reference_worlds.node.process import BridgeError, NodeProcess, process_for
from reference_worlds.node.storage import Events, Hooks, Runs, Steps
from reference_worlds.node.storage_line5 import (
    LINE_5_MEMBERS,
    LineFiveEvents,
    LineFiveRuns,
    LineFiveSteps,
    NodeStreams,
)
from worldspec.capabilities import Capabilities
from worldspec.entities import Hook
from worldspec.line5 import capabilities as line5_capabilities
from worldspec.line5 import entities as line5_entities
from worldspec.line5 import errors as line5_errors
from worldspec.line5 import queue as line5_queue
from worldspec.lines import SpecLine, UnsupportedSpecVersion, line_of
from worldspec.queue import (
    HandlerTimeout,
    MessageMeta,
    QueueOptions,
    QueuePayload,
    QueueResult,
    parse_queue_payload,
)
from worldspec.streams import StreamChunksResponse, StreamInfoResponse
from worldspec.validation import MalformedAnswer
from worldspec.wire import from_tagged

__all__ = ["NodeWorld"]

T = TypeVar("T")

SETUP_TIMEOUT = 300
CLOSE_TIMEOUT = 20.0
"""Seconds the World's close() in Node may take; then its process is killed."""
_set_up: set[tuple[str, tuple[tuple[str, str], ...]]] = set()


def _run_setup(argv: tuple[str, ...], directory: Path, env: dict[str, str]) -> None:
    """Run a preset's setup command once per install directory and environment."""
    key = (str(directory), tuple(sorted(env.items())))
    if not argv or key in _set_up:
        return
    done = subprocess.run(
        argv,
        cwd=directory,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=SETUP_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        output = (done.stdout + done.stderr)[-3000:]
        raise BridgeError(f"setup {' '.join(argv)} failed (exit {done.returncode}):\n{output}")
    _set_up.add(key)


async def _off_loop(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in a thread of its own that ends with it. Not ``asyncio.to_thread``:
    the loop's executor keeps its threads after the World closes, and the kit reports threads a
    World leaves running."""
    loop = asyncio.get_running_loop()
    outcome: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if outcome.done():
            return
        if error is not None:
            outcome.set_exception(error)
        else:
            outcome.set_result(cast(T, result))

    def run() -> None:
        try:
            result = function(*args)
        except BaseException as error:
            loop.call_soon_threadsafe(settle, None, error)
        else:
            loop.call_soon_threadsafe(settle, result, None)

    threading.Thread(target=run, name="worldspec-node-setup", daemon=True).start()
    return await outcome


class NodeWorld:
    """A World from an npm package, run in Node.

    ``package`` is an npm spec (``@workflow/world-local@4.4.1``, a tarball, a local path).
    ``export`` names the export that builds the World (``createWorld``, ``createLocalWorld``,
    ``default``); ``config`` is the object passed to it (a dict or JSON text; the string
    ``{fresh_dir}`` in it becomes a temporary directory of this instance); ``env`` holds
    environment variables for the Node process; ``capabilities`` overrides what the bridge
    declares (``{"delay": true}``); ``overrides`` are npm overrides for the install (a dict or
    JSON text, ``{"@workflow/world@5.0.0-beta.23": "5.0.0-beta.21"}``) for a package whose
    exact dependencies are not published. Known packages get their defaults from
    ``presets.py``, chosen by the version actually installed.
    """

    spec_version: int | None = None
    worldspec_capabilities: Capabilities | line5_capabilities.Capabilities = Capabilities()
    events: Events | LineFiveEvents
    runs: Runs | LineFiveRuns
    steps: Steps | LineFiveSteps
    hooks: Hooks[Hook] | Hooks[line5_entities.Hook]
    streams: NodeStreams
    capabilities: line5_capabilities.WorldCapabilities

    def __init__(
        self,
        package: str,
        export: str | None = None,
        config: dict[str, Any] | str | None = None,
        env: dict[str, Any] | None = None,
        capabilities: dict[str, bool] | None = None,
        overrides: dict[str, str] | str | None = None,
    ) -> None:
        self.package = package_option(package)
        self._export_option = export
        self._config_option = config_option(config)
        self._capabilities_option = capabilities_option(capabilities)
        self.overrides = overrides_option(overrides)
        self.env = env_option(env)
        self._use_preset(preset_for(package))
        self.events = Events(self)
        self.runs = Runs(self)
        self.steps = Steps(self)
        self.hooks = Hooks(self, results.read_hook)
        self._process: NodeProcess | None = None
        self._channel: Channel | None = None
        self._world_id: int | None = None
        self._abandoned = False
        self._fresh_dir: Path | None = None
        self._databases: FreshDatabases | None = None
        self._fresh_database: str | None = None
        self._log_mark = 0
        self._entry: Path | None = None
        self._deployment_id: str | None = None

    def _use_preset(self, preset: Preset) -> None:
        """Take ``preset``'s defaults wherever no option was given."""
        self.preset = preset
        self.setup = preset.setup
        self.server_variable = preset.server_variable
        self.export = self._export_option if self._export_option is not None else preset.export
        self.config = self._config_option if self._config_option is not None else preset.config
        self.capability_overrides = {**preset.capabilities, **self._capabilities_option}
        self.worldspec_faults = (
            NodeRestarts(self._kill_process, self._rebuild) if preset.restartable else None
        )

    # --- lifecycle ------------------------------------------------------------------------------

    async def _server_in_a_container(self) -> None:
        """Point the World at a container of its server when no URL is given anywhere and one
        can be started (reference_worlds.containers); else it uses its local default."""
        variable, kind = self.server_variable, self.preset.server
        if variable is None or kind is None or variable in self.env or os.environ.get(variable):
            return
        url = await _off_loop(service_url, kind)
        if url is not None:
            self.env[variable] = url

    async def start(self) -> None:
        """Install the package if needed, build the World in Node, call its ``start()``, and
        settle the capabilities (declared by preset or option, probed where possible)."""
        entry = await _off_loop(install, self.package, self.overrides)
        self._use_preset(preset_for(self.package, installed_version(entry)))
        await self._server_in_a_container()
        if FRESH_DATABASE in json.dumps(self.config):
            if self.server_variable is None:
                problem = f"{FRESH_DATABASE} needs a preset naming its server; {self.package} has none"
                raise BridgeError(problem)
            self._databases = fresh_databases_for(
                self.package, str(entry.parent), self.setup, self.env, self.server_variable
            )
            self._fresh_database = await _off_loop(self._databases.create)
        else:
            await _off_loop(_run_setup, self.setup, entry.parent, self.env)
        self._entry = entry
        process = await _off_loop(process_for, entry, self.env)
        if "loadError" in process.hello:
            problem = f"Node cannot import {self.package}: {process.hello['loadError']}"
            raise BridgeError(process.explain(problem))
        self._process = process
        self._log_mark = process.log.count
        self._channel = await open_channel(process)
        try:
            await self._build()
        except BaseException:
            await self.close()
            raise

    async def _build(self) -> None:
        assert self._channel is not None
        self._deployment_id = None
        config = self._materialize(self.config)
        created = await self._channel.call("bridge.create", None, [self.export, config])
        self._world_id = int(created["world"])
        self.spec_version = created["specVersion"]
        members = set(results.sequence(created["members"], "bridge.create members"))
        await self.call("bridge.start")
        try:
            line = line_of(self.spec_version)
        except UnsupportedSpecVersion:
            return  # no line judges it, so nothing is probed: the kit refuses it by its specVersion
        if line is SpecLine.LINE_5:
            await self._speak_line_five(members, created.get("capabilities"))
            return
        if "writeToStreamMulti" in members:
            self.write_to_stream_multi = self._write_to_stream_multi
        probed = await probe_capabilities(self, members)
        try:
            self.worldspec_capabilities = probed.replace(**self.capability_overrides)
        except TypeError as error:
            raise ValueError(f"{error}; see worldspec.Capabilities") from None

    async def _speak_line_five(self, members: set[str], declared: Any) -> None:
        """Swap in the 5.x storage, ``streams``, ``capabilities`` and error names of a World at
        spec 6 or 7."""
        assert self._channel is not None
        self._channel.rebuild_error = line5_errors.error_from_name
        self.events = LineFiveEvents(self, members)
        self.runs = LineFiveRuns(self, members)
        self.steps = LineFiveSteps(self)
        self.hooks = Hooks(self, LINE_5_MEMBERS.hook)
        self.streams = NodeStreams(self, members)
        if "createRunId" in members:
            self.create_run_id = self._create_run_id
        world_capabilities = {} if declared is None else declared
        self.capabilities = results.model(
            line5_capabilities.WorldCapabilities, "the World's capabilities", world_capabilities
        )
        probed = await probe_line5_capabilities(self, members)
        try:
            self.worldspec_capabilities = dataclasses.replace(probed, **self.capability_overrides)
        except TypeError as error:
            raise ValueError(f"{error}; see worldspec.line5.capabilities.Capabilities") from None

    def _materialize(self, value: Any) -> Any:
        if isinstance(value, str) and FRESH_DATABASE in value and self._fresh_database is not None:
            return value.replace(FRESH_DATABASE, self._fresh_database)
        if isinstance(value, str) and FRESH_DIR in value:
            if self._fresh_dir is None:
                slug = package_name(self.package).replace("/", "_").lstrip("@")
                self._fresh_dir = Path(tempfile.mkdtemp(prefix=f"worldspec-{slug}-"))
            return value.replace(FRESH_DIR, str(self._fresh_dir))
        if isinstance(value, dict):
            return {key: self._materialize(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._materialize(item) for item in value]
        return value

    async def close(self) -> None:
        """Close the World in Node and remove its temporary directory and database; the process
        stays up for the next World. Returns at once when the process has died or the World was
        abandoned; a close() that takes more than CLOSE_TIMEOUT in Node kills the process."""
        channel, self._channel = self._channel, None
        try:
            if channel is not None and channel.usable and self._world_id is not None and not self._abandoned:
                try:
                    await asyncio.wait_for(channel.call("bridge.close", self._world_id, []), CLOSE_TIMEOUT)
                except TimeoutError:
                    channel.process.kill()
                    problem = f"the World's close() took more than {CLOSE_TIMEOUT:.0f} s; Node was killed"
                    raise BridgeError(channel.process.explain(problem)) from None
        finally:
            if channel is not None:
                channel.close()
            self._world_id = None
            if self._fresh_dir is not None:
                shutil.rmtree(self._fresh_dir, ignore_errors=True)
            if self._databases is not None and self._fresh_database is not None:
                await _off_loop(self._databases.drop, self._fresh_database)
                self._fresh_database = None

    def _kill_process(self) -> None:
        if self._process is not None:
            self._process.kill()

    async def _rebuild(self) -> None:
        """After ``_kill_process``: a new Node process, the World built in it again with the same
        config (the same data directory or database), and started."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        process = await _off_loop(process_for, self._entry, self.env)
        self._process = process
        self._log_mark = process.log.count
        self._channel = await open_channel(process)
        await self._build()

    def worldspec_abandon(self) -> None:
        """Give up on this World after a call overran its deadline: kill its Node process at once
        (SIGKILL, no waiting), so nothing waits on it any more. Calls in flight fail with
        ``BridgeError``, ``close()`` returns at once, and the next NodeWorld gets a fresh process.
        Other Worlds served by the same process fail too: they shared whatever hung it."""
        self._abandoned = True
        if self._process is not None:
            self._process.kill()

    def worldspec_diagnostics(self) -> str:
        """Node's stderr since this World started (at most the last 200 lines)."""
        if self._process is None:
            return ""
        return "\n".join(self._process.log.since(self._log_mark))

    @property
    def line(self) -> SpecLine | None:
        """The line of the contract this World speaks, by its declared spec version (the 4.x
        line until it starts); ``None`` when the version belongs to no line."""
        try:
            return line_of(self.spec_version)
        except UnsupportedSpecVersion:
            return None

    def stream(self, method: str, *args: Any) -> AsyncGenerator[Any]:
        """The chunks (tagged JSON data) of the streaming bridge ``method`` on this World."""
        if self._channel is None or self._world_id is None:
            raise BridgeError(f"{method}: the NodeWorld is not started (or already closed)")
        return self._channel.stream(method, self._world_id, list(args))

    def call(self, method: str, *args: Any) -> Coroutine[Any, Any, Any]:
        """Call ``method`` of protocol.json on this World in Node, arguments in TypeScript order;
        await it for its value as tagged JSON data (decode it once: ``results.py``,
        ``worldspec.wire``). Not a coroutine itself: one frame less on every call."""
        if self._channel is None or self._world_id is None:
            raise BridgeError(f"{method}: the NodeWorld is not started (or already closed)")
        return self._channel.call(method, self._world_id, list(args))

    # --- queue ----------------------------------------------------------------------------------

    async def get_deployment_id(self) -> str:
        """The World's ``getDeploymentId()``, asked once per World instance and then answered
        from memory while its connection is up (docs/decisions.md, "The deployment id through the
        bridge"). A failed answer is not remembered: the next call asks again."""
        known, channel = self._deployment_id, self._channel
        if known is not None and channel is not None and channel.connected:
            return known
        self._deployment_id = results.text(await self.call("getDeploymentId"), "getDeploymentId")
        return self._deployment_id

    async def queue(
        self,
        queue_name: str,
        message: QueuePayload | line5_queue.QueuePayload,
        options: QueueOptions | line5_queue.QueueOptions | None = None,
    ) -> QueueResult:
        args: list[Any] = [queue_name, message.to_wire()]
        if options is not None:
            args.append(options.to_wire())
        return results.model(QueueResult, "queue result", await self.call("queue", *args))

    async def create_queue_handler(self, prefix: str, handler: AnyQueueHandler) -> None:
        """Register ``handler``; the World's HTTP handler for ``prefix`` is mounted in Node and
        its deliveries come back here, each parsed as a ``QueuePayload`` of the World's line and
        a ``MessageMeta``. ``HandlerTimeout`` asks for a redelivery; any other value is done."""
        assert self._channel is not None
        parse = line5_queue.parse_queue_payload if self.line is SpecLine.LINE_5 else parse_queue_payload

        async def deliver(message: Any, meta: Any) -> dict[str, Any] | None:
            payload: Any = parse(from_tagged(message))
            outcome = await handler(payload, MessageMeta.model_validate(from_tagged(meta)))
            if isinstance(outcome, HandlerTimeout):
                return {"timeoutSeconds": outcome.timeout_seconds}
            return None

        ident = self._channel.add_handler(deliver)
        await self.call("bridge.createQueueHandler", prefix, ident)

    async def _create_run_id(self) -> str:
        """``createRunId()`` of a 5.x World that has it (synchronous in Node, awaited across the
        bridge: the kit awaits what this member returns when it is awaitable)."""
        return results.text(await self.call("createRunId"), "createRunId result")

    # --- streams --------------------------------------------------------------------------------

    async def write_to_stream(self, name: str, run_id: str, chunk: str | bytes) -> None:
        await self.call("writeToStream", name, run_id, chunk)

    async def _write_to_stream_multi(self, name: str, run_id: str, chunks: list[str | bytes]) -> None:
        await self.call("writeToStreamMulti", name, run_id, list(chunks))

    async def close_stream(self, name: str, run_id: str) -> None:
        await self.call("closeStream", name, run_id)

    async def read_from_stream(self, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        if self._channel is None or self._world_id is None:
            raise BridgeError("read_from_stream: the NodeWorld is not started")
        chunks = self._channel.stream("bridge.readFromStream", self._world_id, [name, start_index])
        try:
            async for tagged in chunks:
                chunk = results.decoded(tagged, "readFromStream chunk")
                if not isinstance(chunk, bytes):
                    problem = f"(root): expected bytes, got {type(chunk).__name__}"
                    raise MalformedAnswer("readFromStream chunk", [problem])
                yield chunk
        finally:
            await chunks.aclose()

    async def list_streams_by_run_id(self, run_id: str) -> Sequence[str]:
        names = results.sequence(await self.call("listStreamsByRunId", run_id), "listStreamsByRunId")
        return [results.text(name, "listStreamsByRunId item") for name in names]

    async def get_stream_chunks(
        self, name: str, run_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> StreamChunksResponse:
        options = {key: value for key, value in (("limit", limit), ("cursor", cursor)) if value is not None}
        found = await self.call("getStreamChunks", name, run_id, options)
        return results.model(StreamChunksResponse, "getStreamChunks result", found)

    async def get_stream_info(self, name: str, run_id: str) -> StreamInfoResponse:
        found = await self.call("getStreamInfo", name, run_id)
        return results.model(StreamInfoResponse, "getStreamInfo result", found)
