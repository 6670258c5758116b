"""A transparent proxy around the World under test that records every call the kit makes.

On a failure the record becomes a runnable Python program that repeats the calls against a
fresh World (``conformance.reporting.reproduction``), and names the runs whose logs the report
should show. What the kit expected of a call (``Expectation``, set by ``conformance.checks.expect``)
and which calls it made concurrently (``concurrently``) are recorded with it, so the program can
assert the one and gather the other.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import itertools
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from conformance.world.deadlines import WorldCallTimeout
from conformance.world.throttle import answered
from worldspec.wire_types import MISSING

__all__ = [
    "Call",
    "Expectation",
    "Recorder",
    "RecordingWorld",
    "call_arguments",
    "concurrently",
    "render",
    "watching",
]

_NAMESPACES = ("events", "runs", "steps", "hooks")
"""Namespaces every World has, whose members are all coroutines."""
_OPTIONAL_NAMESPACES = ("streams",)
"""Namespaces of one line only (``world.streams``: the 5.x line), recorded where the World has
them; ``streams.get`` returns an async iterator, so their members are recorded by kind."""

_WATCHED: ContextVar[list[Call] | None] = ContextVar("worldspec_watched_calls", default=None)
_GROUP: ContextVar[int | None] = ContextVar("worldspec_concurrent_group", default=None)
_GROUP_IDS = itertools.count(1)


@dataclass(frozen=True)
class Expectation:
    """What the contract says one call does: ``raises`` one of ``errors`` (by name),
    ``refused`` with an instance of one of ``errors``, or ``succeeds``."""

    kind: Literal["raises", "refused", "succeeds"]
    errors: tuple[type[BaseException], ...] = ()


@contextmanager
def watching() -> Iterator[list[Call]]:
    """The calls begun within this block (in this task and the tasks it starts), in order; the
    caller states its ``Expectation`` on the last of them, the call it awaited."""
    begun: list[Call] = []
    token = _WATCHED.set(begun)
    try:
        yield begun
    finally:
        _WATCHED.reset(token)


@contextmanager
def concurrently() -> Iterator[None]:
    """Calls begun within this block were made at once (``asyncio.gather``): a program that
    reproduces them gathers them too, even when each happened to end before the next began."""
    token = _GROUP.set(next(_GROUP_IDS))
    try:
        yield
    finally:
        _GROUP.reset(token)


@dataclass
class Call:
    """One call: its dotted method name, arguments, and what came back."""

    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    result: Any = None
    error: BaseException | None = None
    variable: str | None = None
    started: int = 0
    """The recorder's tick when the call was made."""
    ended: int | None = None
    """The recorder's tick when it returned or raised (``None`` while in flight): two calls
    overlap, and so were concurrent, when each started before the other ended."""
    expected: Expectation | None = None
    """What the kit expected of the call, when it judged it on its own."""
    group: int | None = None
    """Calls with the same group were made concurrently (``concurrently``)."""
    synchronous: bool = False
    """The member is a plain function (``read_from_stream``, ``create_queue_handler``), not awaited."""


@dataclass
class Recorder:
    """The calls of one test, in order, and the run ids they touched."""

    calls: list[Call] = field(default_factory=list)
    run_ids: list[str] = field(default_factory=list)
    ticks: int = 0

    def begin(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Call:
        """Record that ``method`` was called; ``end`` records how it came back."""
        self.ticks += 1
        call = Call(
            method,
            tuple(_as_sent(arg) for arg in args),
            {key: _as_sent(value) for key, value in kwargs.items()},
            started=self.ticks,
            group=_GROUP.get(),
        )
        self.calls.append(call)
        watched = _WATCHED.get()
        if watched is not None:
            watched.append(call)
        if method != "runs.list" and args and isinstance(args[0], str) and args[0].startswith("wrun_"):
            self.note_run(args[0])
        return call

    def end(self, call: Call, *, error: BaseException | None = None) -> None:
        """Record that ``call`` returned (its ``result`` already set) or raised ``error``."""
        self.ticks += 1
        call.ended = self.ticks
        call.error = error
        if error is None:
            self.note_result(call)

    def note_run(self, run_id: object) -> None:
        if isinstance(run_id, str) and run_id and run_id not in self.run_ids:
            self.run_ids.append(run_id)

    def note_result(self, call: Call) -> None:
        result = call.result
        run = getattr(result, "run", MISSING)
        if run is not MISSING and run is not None:
            self.note_run(getattr(run, "run_id", None))
        if call.method == "events.create" and call.args and call.args[0] is None and run is not MISSING:
            call.variable = f"run_{len([c for c in self.calls if c.variable])}"


def _as_sent(value: Any) -> Any:
    """``value`` as it was when sent: a copy of data, so a caller that changes its objects later
    does not change the record; callables (queue handlers) and other live objects as they are."""
    if isinstance(value, BaseModel | dict | list | tuple):
        return copy.deepcopy(value)
    return value


def _validates(request: BaseModel) -> bool:
    """Whether ``request`` is a valid event request of its line (a careless one, built with
    ``model_construct``, is not, and is rebuilt the same way)."""
    try:
        type(request).model_validate(request.model_dump(by_alias=True, mode="python"), by_alias=True)
    except ValueError:
        return False
    return True


def _constructed(request: BaseModel, minted: dict[str, str]) -> str:
    """Source that rebuilds a careless ``request`` as the kit built it: ``model_construct`` with
    the same fields, each nested model validated into its own class."""
    parts = []
    for name, item in request.__dict__.items():
        if isinstance(item, BaseModel):
            wire = render(item.model_dump(by_alias=True, mode="python"), minted)
            shown = f"{_class_path(item)}.model_validate({wire})"
        else:
            shown = render(item, minted)
        parts.append(f"{name}={shown}")
    return f"{_class_path(request)}.model_construct({', '.join(parts)})"


def _class_path(model: BaseModel) -> str:
    """An expression naming ``model``'s class, which needs only ``import importlib``."""
    return f"importlib.import_module({type(model).__module__!r}).{type(model).__name__}"


def render(value: Any, minted: dict[str, str]) -> str:
    """``value`` as Python source that rebuilds it; strings in ``minted`` become the variable
    names it maps them to (run ids a World minted while the calls were recorded). A function (a
    queue handler the kit registered) becomes ``delivered``, the handler of
    ``conformance.reporting.reproduce`` that prints each delivery."""
    if callable(value) and not isinstance(value, type | BaseModel):
        return "delivered"
    if isinstance(value, str) and value in minted:
        return minted[value]
    if isinstance(value, BaseModel):
        wire = value.model_dump(by_alias=True, mode="python")
        name = type(value).__name__
        if name.endswith("Request"):
            if _validates(value):
                return f"parse_event_request({render(wire, minted)})"
            return _constructed(value, minted)
        if name in ("WorkflowInvokePayload", "StepInvokePayload", "HealthCheckPayload"):
            return f"parse_queue_payload({render(wire, minted)})"
        return f"{name}.model_validate({render(wire, minted)})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key!r}: {render(item, minted)}" for key, item in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render(item, minted) for item in value) + "]"
    if isinstance(value, str | bytes) and len(value) > _LONG_LITERAL:
        return _repeated_literal(value)
    return repr(value)


_LONG_LITERAL = 1024
"""Strings and bytes longer than this are written as a repeated period when they have one."""
_LONGEST_PERIOD = 512


def _repeated_literal(value: str | bytes) -> str:
    """``value`` as ``(period * n + head)`` source when it repeats a period of at most 512
    characters or bytes (the kit's long values do), else as its ``repr``: a failure's program
    stays runnable without a literal of a megabyte."""
    for period in range(1, min(_LONGEST_PERIOD, len(value) // 2) + 1):
        if value[period:] == value[:-period]:
            count, rest = divmod(len(value), period)
            head = f" + {value[:rest]!r}" if rest else ""
            return f"({value[:period]!r} * {count}{head})"
    return repr(value)


class _RecordingNamespace:
    def __init__(self, inner: Any, prefix: str, recorder: Recorder, deadline: float | None) -> None:
        self._inner = inner
        self._prefix = prefix
        self._recorder = recorder
        self._deadline = deadline

    def __getattr__(self, name: str) -> Any:
        member = getattr(self._inner, name)
        if not callable(member):
            return member
        return _recording(member, f"{self._prefix}{name}", self._recorder, self._deadline)


def call_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """The arguments of a call as the failure report shows them (cut after 400 characters)."""
    shown = [render(arg, {}) for arg in args] + [
        f"{key}={render(value, {})}" for key, value in kwargs.items()
    ]
    text = ", ".join(shown)
    return text if len(text) <= 400 else text[:400] + " ..."


class RaisedBaseException(Exception):
    """A World call raised a ``BaseException`` that is no ``Exception`` (``SystemExit``, a
    ``CancelledError`` of its own, ``KeyboardInterrupt`` off the main thread, ...). Left to
    propagate, it would end the test's event loop (and the test would wait out its deadline)
    or the whole run; as this, it fails the test like any exception a World should not raise,
    blamed on the World by the traceback it keeps."""

    def __init__(self, method: str, error: BaseException) -> None:
        super().__init__(
            f"{method}() raised {type(error).__name__}({', '.join(map(repr, error.args))}), a "
            "BaseException that would stop its caller's loop or process"
        )


class NotAwaitable(Exception):
    """A member the contract makes a coroutine returned something that cannot be awaited."""

    def __init__(self, method: str, returned: object) -> None:
        super().__init__(
            f"{method}() returned {type(returned).__name__}, not an awaitable: World methods "
            "are coroutines (async def)"
        )


def _passes_through(error: BaseException) -> bool:
    """Whether ``error``, raised out of a World call, is the kit's or the user's rather than the
    World's: an ordinary exception (judged as it is), a deadline, the cancellation of the
    calling task, or ``KeyboardInterrupt`` on the main thread, where it may be the user's
    Ctrl-C."""
    if isinstance(error, Exception | WorldCallTimeout):
        return True
    if isinstance(error, asyncio.CancelledError):
        task = asyncio.current_task()
        return task is not None and task.cancelling() > 0
    if isinstance(error, KeyboardInterrupt):
        return threading.current_thread() is threading.main_thread()
    return False


async def _within(deadline: float | None, awaitable: Any, method: str, args: Any, kwargs: Any) -> Any:
    """Await ``awaitable`` in the calling task (not in a task of its own, as ``wait_for`` would:
    a task re-raises ``SystemExit`` and ``KeyboardInterrupt`` out of the event loop, where no
    test could catch them) for at most ``deadline`` seconds."""
    try:
        if deadline is None:
            return await awaitable
        try:
            async with asyncio.timeout(deadline):
                return await awaitable
        except TimeoutError:
            raise WorldCallTimeout(method, call_arguments(args, kwargs), deadline) from None
    except BaseException as error:
        if _passes_through(error):
            raise
        raised = error
    raise RaisedBaseException(method, raised).with_traceback(raised.__traceback__)


async def _taken(member: Any, method: str, args: Any, kwargs: Any, deadline: float | None) -> Any:
    """What ``member(*args, **kwargs)`` answers once the World takes the call (``answered``:
    a ``ThrottleError`` is waited out and the call made again)."""

    async def attempt() -> Any:
        pending = member(*args, **kwargs)
        if not inspect.isawaitable(pending):
            raise NotAwaitable(method, pending)
        return await _within(deadline, pending, method, args, kwargs)

    return await answered(attempt)


def _recording(member: Any, method: str, recorder: Recorder, deadline: float | None) -> Any:
    if inspect.iscoroutinefunction(member) or method.startswith(_NAMESPACES):

        async def call_async(*args: Any, **kwargs: Any) -> Any:
            call = recorder.begin(method, args, kwargs)
            try:
                call.result = await _taken(member, method, args, kwargs, deadline)
            except BaseException as error:
                recorder.end(call, error=error)
                raise
            recorder.end(call)
            return call.result

        return call_async

    def call_sync(*args: Any, **kwargs: Any) -> Any:
        call = recorder.begin(method, args, kwargs)
        call.synchronous = True
        call.result = member(*args, **kwargs)
        recorder.end(call)
        if hasattr(call.result, "__anext__"):
            return _iterating_within(deadline, call.result, method, args, kwargs)
        return call.result

    return call_sync


async def _iterating_within(
    deadline: float | None, iterator: AsyncIterator[Any], method: str, args: Any, kwargs: Any
) -> AsyncIterator[Any]:
    while True:
        try:
            item = await _within(deadline, anext(iterator), method, args, kwargs)
        except StopAsyncIteration:
            return
        yield item


class RecordingWorld(_RecordingNamespace):
    """The World under test as the kit calls it: every call recorded in ``recorder`` and given
    ``deadline`` seconds (``None``: no deadline) before it raises ``WorldCallTimeout``."""

    def __init__(self, inner: Any, recorder: Recorder, deadline: float | None = None) -> None:
        super().__init__(inner, "", recorder, deadline)
        present = [name for name in _OPTIONAL_NAMESPACES if hasattr(inner, name)]
        for namespace in (*_NAMESPACES, *present):
            setattr(
                self,
                namespace,
                _RecordingNamespace(getattr(inner, namespace), f"{namespace}.", recorder, deadline),
            )

    @property
    def unwrapped(self) -> Any:
        """The World itself, for reads the record should not show."""
        return self._inner
