"""What a suite judges a World with: failing the rule under test, and setting the scene.

A failure states the rule, what the World did instead, and the values involved. A step that only
sets the scene for the rule under test goes through ``setup``: when the World answers that step
otherwise than the contract says, the rule cannot be judged, and the test ends ``unjudged``,
naming the invariant that judges the step (``SetupDeviation``), instead of failing a rule the
World may well keep.

Each helper records what it expected of the World call it awaited (``Expectation``), so the
program a failure report prints asserts the same.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NoReturn, TypeVar

import pytest

from conformance.reporting.display import show
from conformance.world.recorder import Expectation, watching
from worldspec.errors import WorkflowError
from worldspec.validation import MalformedAnswer

__all__ = [
    "SetupDeviation",
    "deviate",
    "fail",
    "judging",
    "raises",
    "rejects",
    "rejects_invalid_attributes",
    "returns",
    "setup",
]

T = TypeVar("T")


async def _expecting(call: Awaitable[T], expectation: Expectation) -> T:
    """Await ``call``, recording ``expectation`` on the last World call it made."""
    with watching() as begun:
        try:
            return await call
        finally:
            if begun:
                begun[-1].expected = expectation


_JUDGED: ContextVar[str | None] = ContextVar("worldspec_judged_invariant", default=None)


@contextmanager
def judging(invariant_id: str) -> Iterator[None]:
    """Within this block, the rule under test is ``invariant_id`` (the plugin sets it)."""
    token = _JUDGED.set(invariant_id)
    try:
        yield
    finally:
        _JUDGED.reset(token)


class SetupDeviation(Exception):
    """A scene-setting step went otherwise than the contract says; the rule under test cannot
    be judged. ``judged_by`` is the invariant whose own test judges that step."""

    def __init__(self, action: str, did: str, judged_by: str, shown: str = "") -> None:
        super().__init__(f"setup: {action} {did}; that step is judged by {judged_by}")
        self.action = action
        self.did = did
        self.judged_by = judged_by
        self.shown = shown


def fail(rule: str, did: str, *shown: tuple[str, Any]) -> NoReturn:
    """Fail the test: ``rule`` is what must hold, ``did`` what the World did instead."""
    lines = [f"expected: {rule}", f"the World: {did}"]
    for label, value in shown:
        lines.append(f"{label}:\n{show(value)}")
    pytest.fail("\n".join(lines), pytrace=False)


def judged_invariant() -> str | None:
    """The rule under test in this block (``judging``), if any."""
    return _JUDGED.get()


def deviate(action: str, did: str, judged_by: str, *shown: tuple[str, Any]) -> NoReturn:
    """A setup step (``action``) went wrong: the World ``did`` this. When the rule under test is
    ``judged_by`` itself, that is a plain failure of it; otherwise the test is not judged."""
    if _JUDGED.get() == judged_by:
        fail(f"{action} goes as the contract says", did, *shown)
    text = "\n".join(f"{label}:\n{show(value)}" for label, value in shown)
    raise SetupDeviation(action, did, judged_by, text)


async def setup(call: Awaitable[T], action: str, judged_by: str) -> T:
    """Await a scene-setting call the contract says must succeed; a contract error it raises
    makes the test ``unjudged`` (see ``deviate``)."""
    try:
        return await _expecting(call, Expectation("succeeds"))
    except WorkflowError as error:
        deviate(action, f"raised {error.name}: {error}", judged_by)


async def raises(
    expected: type[WorkflowError] | Iterable[type[WorkflowError]], call: Awaitable[Any], action: str
) -> WorkflowError:
    """Await ``call``; it must raise an error whose ``name`` is one of ``expected``'s names.

    Errors are matched by name, as the runtime matches them (§3).
    """
    wanted = (expected,) if isinstance(expected, type) else tuple(expected)
    names = " or ".join(cls.name for cls in wanted)
    try:
        result = await _expecting(call, Expectation("raises", wanted))
    except Exception as error:
        got = error.name if isinstance(error, WorkflowError) else None
        if got in {cls.name for cls in wanted}:
            assert isinstance(error, WorkflowError)
            return error
        kind = type(error).__name__
        raised = f"raised {kind if got in (None, kind) else f'{kind} named {got}'}: {error}"
    else:
        fail(f"{action} raises {names}", "returned instead of raising", ("returned", result))
    fail(f"{action} raises {names}", raised)


async def rejects(
    call: Awaitable[Any], action: str, accepted: tuple[type[BaseException], ...] = (WorkflowError,)
) -> BaseException:
    """Await ``call``; it must raise an instance of one of ``accepted`` (by default some
    contract error, whichever), for rules that require a refusal but leave its error class
    open, or where another invariant judges the error's name. A ``MalformedAnswer`` is never
    a refusal, even where ``ValueError`` is accepted: the World answered, wrongly."""
    kinds = " or ".join(cls.__name__ for cls in accepted)
    answered: MalformedAnswer | None = None
    try:
        result = await _expecting(call, Expectation("refused", accepted))
    except MalformedAnswer as error:
        answered = error
    except accepted as error:
        return error
    except Exception as error:
        raised = f"raised {type(error).__name__}: {error}"
    else:
        fail(f"{action} is refused", "accepted it", ("returned", result))
    if answered is not None:
        fail(f"{action} is refused", str(answered))
    fail(f"{action} is refused with {kinds}", raised)


async def rejects_invalid_attributes(call: Awaitable[Any], action: str) -> None:
    """Await ``call``, which sends attributes outside the limits of v7 §4.7; it must be refused
    with ``AttributeValidationError`` or with ``WorkflowWorldError`` status 400, the two ways
    the 5.x line lets a World say so."""
    refused = await rejects(call, action)
    name, status = getattr(refused, "name", type(refused).__name__), getattr(refused, "status", None)
    if name != "AttributeValidationError" and not (name == "WorkflowWorldError" and status == 400):
        fail(
            f"{action} ⇒ AttributeValidationError or WorkflowWorldError status 400",
            f"raised {name} (status {status})",
        )


async def returns(call: Awaitable[T], action: str) -> T:
    """Await ``call``, the rule under test; a contract error it raises fails the test."""
    try:
        return await _expecting(call, Expectation("succeeds"))
    except WorkflowError as error:
        failure = f"raised {error.name}: {error}"
    fail(f"{action} succeeds", failure)
