"""Finding and opening the World under test from ``module:Factory`` (no pytest here).

The Factory is any callable (class, function, async function) returning a World. It is called
once per test with the ``--world-opt`` keyword arguments, so every test gets a World of its own
(see docs/writing-a-factory.md). Mistakes a user can make raise ``WorldLoadError`` with one
sentence saying what is wrong and what was expected.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import inspect
import json
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from conformance.world.deadlines import DEFAULT_CALL_TIMEOUT, DEFAULT_CLOSE_TIMEOUT, abandon
from conformance.world.recorder import Recorder, RecordingWorld
from worldspec.protocol import World

__all__ = [
    "REQUIRED_MEMBERS",
    "WorldLoadError",
    "WorldSpec",
    "close_world",
    "diagnostics_of",
    "load_factory",
    "open_world",
    "parse_world_options",
]

REQUIRED_MEMBERS: tuple[str, ...] = (
    "events.create",
    "events.get",
    "events.list",
    "events.list_by_correlation_id",
    "runs.get",
    "runs.list",
    "steps.get",
    "steps.list",
    "hooks.get",
    "hooks.get_by_token",
    "hooks.list",
    "get_deployment_id",
    "queue",
    "create_queue_handler",
    "write_to_stream",
    "close_stream",
    "read_from_stream",
    "list_streams_by_run_id",
    "get_stream_chunks",
    "get_stream_info",
)
"""Members every World must have (worldspec.protocol.World), as dotted paths."""


class WorldLoadError(Exception):
    """The World under test cannot be loaded or opened; the message says why."""


@dataclass(frozen=True)
class WorldSpec:
    """Where the World comes from: ``module:Factory``, its options, and how it was given."""

    target: str
    options: dict[str, Any] = field(default_factory=dict)
    source: str = "--world option"
    call_timeout: float | None = DEFAULT_CALL_TIMEOUT
    """Seconds each World call may take (``--world-timeout``); ``None``: no deadline."""
    close_timeout: float = DEFAULT_CLOSE_TIMEOUT
    """Seconds ``start()`` and ``close()`` may take."""


def parse_world_options(pairs: list[str]) -> dict[str, Any]:
    """``["k=v", ...]`` to keyword arguments. A value that parses as JSON (``3``, ``true``,
    ``{"a": 1}``) is passed as that value; any other value is passed as the string."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.isidentifier():
            raise WorldLoadError(
                f"--world-opt expects key=value with a Python identifier as key, got {pair!r}"
            )
        try:
            options[key] = json.loads(raw)
        except ValueError:
            options[key] = raw
    return options


def _short_cause(error: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(error), error)).strip()


def _import(module_name: str, target: str) -> Any:
    """Import ``module_name`` as ``python -m`` would: when it is not importable otherwise, from
    the current directory (where pytest or ``worldspec certify`` was run)."""
    top = module_name.split(".")[0]
    here = os.getcwd()
    try:
        if here not in sys.path and importlib.util.find_spec(top) is None:
            sys.path.insert(0, here)
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name == top:
            raise WorldLoadError(
                f"cannot import module {module_name!r} named by --world {target}: it is neither installed "
                f"nor in the current directory {here}; install your World's package (pip install -e .) "
                "or run from the directory that holds it"
            ) from None
        raise WorldLoadError(
            f"cannot import module {module_name!r} named by --world {target}: {_short_cause(error)}"
        ) from None
    except (Exception, SystemExit) as error:
        # SystemExit too: a module that parses its own command line (or calls sys.exit) at
        # import time would otherwise end the kit with a traceback.
        raise WorldLoadError(
            f"importing module {module_name!r} named by --world {target} failed: {_short_cause(error)}"
        ) from None


def load_factory(target: str) -> Callable[..., Any]:
    """The callable named by ``module:attribute`` (``attribute`` may be dotted)."""
    module_name, sep, attribute = target.partition(":")
    if not sep or not module_name or not attribute:
        raise WorldLoadError(
            f"--world expects module:Factory (e.g. reference_worlds.memory:MemoryWorld), got {target!r}"
        )
    module = _import(module_name, target)
    found: Any = module
    for part in attribute.split("."):
        if not hasattr(found, part):
            raise WorldLoadError(
                f"module {module_name!r} has no attribute {attribute!r} (from --world {target})"
            )
        found = getattr(found, part)
    if not callable(found):
        raise WorldLoadError(
            f"{target} is a {type(found).__name__}, not a callable Factory returning a World"
        )
    return found  # type: ignore[no-any-return]


def _missing_members(world: object) -> list[str]:
    missing = []
    for path in REQUIRED_MEMBERS:
        found: Any = world
        for part in path.split("."):
            found = getattr(found, part, None)
            if found is None:
                break
        if not callable(found):
            missing.append(path)
    return missing


def _check_options_fit(factory: Callable[..., Any], spec: WorldSpec) -> None:
    """Raise ``WorldLoadError`` naming the Factory's parameters when ``spec.options`` cannot be
    passed to it (an unknown key, a required parameter not given). A Factory whose signature
    Python cannot read is called as it is."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(**spec.options)
    except TypeError as error:
        takes = ", ".join(
            parameter.name
            for parameter in signature.parameters.values()
            if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
        )
        raise WorldLoadError(
            f"the options do not fit the Factory {spec.target}: {error}; it takes "
            f"{takes or 'no options'}, given with --world-opt KEY=VALUE (certify: --opt KEY=VALUE)"
        ) from None


def _not_a_world(world: object, spec: WorldSpec) -> str | None:
    """Why ``world``, what the Factory returned, is not a World, or ``None`` when it is one."""
    missing = _missing_members(world)
    if not missing:
        return None
    if len(missing) == len(REQUIRED_MEMBERS):
        return (
            f"{spec.target} returned {_shown(world)}, not a World: it has none of the members of "
            "the World protocol (see worldspec.protocol.World); the Factory must return the World"
        )
    return (
        f"{spec.target} returned {_shown(world)} that lacks part of the World protocol: "
        f"{', '.join(missing)} (see worldspec.protocol.World)"
    )


def _shown(value: object) -> str:
    """``None``, or ``an object of type NAME``: what a Factory returned, in a sentence."""
    return "None" if value is None else f"an object of type {type(value).__name__}"


async def open_world(spec: WorldSpec, recorder: Recorder | None = None) -> World:
    """Call the Factory, await it if needed, check the World protocol, ``start()`` it, and return
    it as the kit calls it: every call given ``spec.call_timeout`` seconds and recorded in
    ``recorder`` (a fresh one when none is given)."""
    factory = load_factory(spec.target)
    _check_options_fit(factory, spec)
    try:
        made = factory(**spec.options)
        world = await made if inspect.isawaitable(made) else made
    except (Exception, SystemExit) as error:
        called = f" (called with {spec.options!r})" if spec.options else ""
        raise WorldLoadError(f"the Factory {spec.target} raised{called}: {_short_cause(error)}") from None
    refusal = _not_a_world(world, spec)
    if refusal is not None:
        raise WorldLoadError(refusal)
    start = getattr(world, "start", None)
    if callable(start):
        try:
            await _finished(start(), spec.close_timeout)
        except TimeoutError:
            abandon(world)
            raise WorldLoadError(
                f"{spec.target}: start() did not return within {spec.close_timeout:g} s"
            ) from None
        except (Exception, SystemExit) as error:
            raise WorldLoadError(f"{spec.target}: start() raised: {_short_cause(error)}") from None
    return cast(World, RecordingWorld(world, recorder or Recorder(), spec.call_timeout))


async def _finished(started: object, timeout: float) -> None:
    """Await what ``start()`` or ``close()`` returned, within ``timeout`` seconds; a plain method
    (no coroutine) did its work when it was called."""
    if inspect.isawaitable(started):
        await asyncio.wait_for(started, timeout)


async def close_world(world: World, timeout: float = DEFAULT_CLOSE_TIMEOUT) -> None:
    """Call the World's optional ``close()``; raise ``WorldLoadError`` if it raises or does not
    return within ``timeout`` seconds (the World is then abandoned)."""
    inner = getattr(world, "unwrapped", world)
    close = getattr(inner, "close", None)
    if callable(close):
        try:
            await _finished(close(), timeout)
        except TimeoutError:
            abandon(inner)
            raise WorldLoadError(f"the World's close() did not return within {timeout:g} s") from None
        except Exception as error:
            raise WorldLoadError(f"the World's close() raised: {_short_cause(error)}") from None


def diagnostics_of(world: object) -> str:
    """What the World's optional ``worldspec_diagnostics()`` has to add to a failure report (a
    child process's log, say), or ``""``. A World that fails to say is reported, not raised."""
    diagnostics = getattr(getattr(world, "unwrapped", world), "worldspec_diagnostics", None)
    if not callable(diagnostics):
        return ""
    try:
        return str(diagnostics() or "")
    except Exception as error:
        return f"worldspec_diagnostics() raised {_short_cause(error)}"
