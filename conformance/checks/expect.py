"""What a suite uses to judge a World: capability gates, error expectations, log readers.

Suites build inputs only through the public contract (``events.create``) and state each
failure as: the rule, what the World did, and the values involved.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Iterable
from typing import Any, NoReturn, TypeVar

import pytest

from conformance.reporting.display import show
from conformance.world.loading import backdoor_of, declared_capabilities
from worldspec.backdoor import Backdoor, EncodedPayloadSeeding
from worldspec.capabilities import Capabilities, Capability
from worldspec.entities import WorkflowRun
from worldspec.errors import WorkflowError
from worldspec.events import Event
from worldspec.pagination import PaginationOptions

__all__ = [
    "all_events",
    "backdoor",
    "capabilities_of",
    "encoded_payload_seeding",
    "fail",
    "raises",
    "rejects",
    "require",
    "returns",
]

T = TypeVar("T")


def _inner(world: Any) -> Any:
    return getattr(world, "unwrapped", world)


def capabilities_of(world: Any) -> Capabilities:
    """The World's declared capabilities, corrected by what the kit can probe: a backdoor is
    legacy seeding, a ``write_to_stream_multi`` method is that capability."""
    inner = _inner(world)
    declared = declared_capabilities(inner)
    return dataclasses.replace(
        declared,
        legacy_seeding=backdoor_of(inner) is not None,
        write_to_stream_multi=callable(getattr(inner, "write_to_stream_multi", None)),
    )


def require(world: Any, capability: Capability) -> None:
    """Skip the calling test unless the World has ``capability``; the reason names it."""
    if not capabilities_of(world).has(capability):
        pytest.skip(f"World lacks capability {capability.value}: {Capabilities.describe(capability)}")


def backdoor(world: Any) -> Backdoor:
    """The World's backdoor, or skip: the test must write or read storage directly."""
    door = backdoor_of(_inner(world))
    if door is None:
        pytest.skip(f"World has no worldspec_backdoor: {Capabilities.describe(Capability.LEGACY_SEEDING)}")
    return door


def encoded_payload_seeding(world: Any) -> EncodedPayloadSeeding:
    """The backdoor's ``seed_encoded_input``, or skip: only storage can hold upstream-encoded data."""
    door = backdoor(world)
    if not isinstance(door, EncodedPayloadSeeding):
        pytest.skip(
            "the World's backdoor has no seed_encoded_input (worldspec.backdoor.EncodedPayloadSeeding)"
        )
    return door


def fail(rule: str, did: str, *shown: tuple[str, Any]) -> NoReturn:
    """Fail the test: ``rule`` is what must hold, ``did`` what the World did instead."""
    lines = [f"expected: {rule}", f"the World: {did}"]
    for label, value in shown:
        lines.append(f"{label}:\n{show(value)}")
    pytest.fail("\n".join(lines), pytrace=False)


async def raises(
    expected: type[WorkflowError] | Iterable[type[WorkflowError]], call: Awaitable[Any], action: str
) -> WorkflowError:
    """Await ``call``; it must raise an error whose ``name`` is one of ``expected``'s names.

    Errors are matched by name, as the runtime matches them (§3).
    """
    wanted = (expected,) if isinstance(expected, type) else tuple(expected)
    names = " or ".join(cls.name for cls in wanted)
    try:
        result = await call
    except Exception as error:
        got = getattr(error, "name", None) if isinstance(error, WorkflowError) else None
        if got in {cls.name for cls in wanted}:
            assert isinstance(error, WorkflowError)
            return error
        fail(f"{action} raises {names}", f"raised {type(error).__name__}({got or ''}): {error}")
    fail(f"{action} raises {names}", "returned instead of raising", ("returned", result))


async def rejects(
    call: Awaitable[Any], action: str, accepted: tuple[type[BaseException], ...] = (WorkflowError,)
) -> BaseException:
    """Await ``call``; it must raise an instance of one of ``accepted`` (by default some
    contract error, whichever), for rules that require a refusal but leave its error class
    open, or where another invariant judges the error's name."""
    kinds = " or ".join(cls.__name__ for cls in accepted)
    try:
        result = await call
    except accepted as error:
        return error
    except Exception as error:
        fail(f"{action} is refused with {kinds}", f"raised {type(error).__name__}: {error}")
    fail(f"{action} is refused", "accepted it", ("returned", result))


async def returns(call: Awaitable[T], action: str) -> T:
    """Await ``call``; a contract error it raises fails the test with ``action`` named."""
    try:
        return await call
    except WorkflowError as error:
        fail(f"{action} succeeds", f"raised {error.name}: {error}")


async def all_events(world: Any, run_id: str, *, page_size: int = 100) -> list[Event]:
    """The whole log of ``run_id``, ascending, read page by page through ``events.list``."""
    events: list[Event] = []
    cursor: str | None = None
    seen_cursors: set[str] = set()
    while True:
        options = PaginationOptions(
            limit=page_size, sort_order="asc", **({"cursor": cursor} if cursor else {})
        )
        listed = await world.events.list(run_id, pagination=options)
        events.extend(listed.data)
        if not listed.has_more:
            return events
        if listed.cursor is None or listed.cursor in seen_cursors:
            fail(
                "hasMore: true comes with a fresh, non-null cursor (§9)",
                f"returned hasMore: true with cursor {listed.cursor!r} "
                f"(already seen: {listed.cursor in seen_cursors})",
            )
        seen_cursors.add(listed.cursor)
        cursor = listed.cursor


async def run_of(world: Any, run_id: str) -> WorkflowRun:
    """``runs.get(run_id)``, failing the test if the World cannot find it."""
    return await returns(world.runs.get(run_id), f"runs.get({run_id!r})")
