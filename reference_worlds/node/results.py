"""What comes back from Node, decoded once and checked against worldspec's wire models.

Values arrive as tagged JSON data (``worldspec.wire``); each parser here decodes its part
exactly once, so a user object shaped like a tag stays an object. A World that returns the
wrong shape fails here with ``worldspec.validation.MalformedAnswer`` naming the method and the
field, instead of handing the kit a half-valid object. A ``MalformedAnswer`` is a
``ValidationError`` of its own class, so the kit never mistakes a World's wrong answer for its
refusal of the call (a Python World that validates what it is sent raises ``ValidationError``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import pydantic

from worldspec import validation
from worldspec.events import EventResult
from worldspec.pagination import PaginatedResponse
from worldspec.validation import MalformedAnswer, ValidationError
from worldspec.wire import from_tagged

__all__ = [
    "LINE_4_MEMBERS",
    "LineParsers",
    "answered",
    "decoded",
    "event_result",
    "model",
    "page",
    "read_event",
    "read_hook",
    "read_run",
    "read_step",
    "read_wait",
    "sequence",
    "text",
]

T = TypeVar("T")
ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)


def answered(parse: Callable[[Any], T]) -> Callable[[Any], T]:
    """``parse`` applied to what a World answered: a ``ValidationError`` it raises becomes a
    ``MalformedAnswer``."""

    def parse_answer(value: Any) -> T:
        try:
            return parse(value)
        except MalformedAnswer:
            raise
        except ValidationError as error:
            raise MalformedAnswer(error.what, error.problems) from None

    return parse_answer


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedAnswer(what, [f"(root): expected object, got {type(value).__name__}"])
    return value


def decoded(value: Any, what: str) -> Any:
    """Tagged JSON data as Python values, or a ``ValidationError`` for a malformed tag."""
    try:
        return from_tagged(value)
    except ValueError as error:
        raise MalformedAnswer(what, [f"(tagged JSON): {error}"]) from None


def model(cls: type[ModelT], what: str, value: Any) -> ModelT:
    """Tagged ``value`` as ``cls``, or a ``ValidationError`` whose lines name the faulty fields."""
    return _validated(cls, what, decoded(_object(value, what), what))


def _validated(cls: type[ModelT], what: str, value: dict[str, Any]) -> ModelT:
    try:
        return cls.model_validate(value, by_alias=True)
    except pydantic.ValidationError as error:
        problems = [
            f"{'.'.join(str(part) for part in item['loc']) or '(root)'}: {item['msg']}"
            for item in error.errors(include_url=False)
        ]
        raise MalformedAnswer(what, problems) from None


def sequence(value: Any, what: str) -> list[Any]:
    """``value``, which must be an array."""
    if not isinstance(value, list):
        raise MalformedAnswer(what, [f"(root): expected array, got {type(value).__name__}"])
    return value


def text(value: Any, what: str) -> str:
    """``value``, which must be a string."""
    if not isinstance(value, str):
        raise MalformedAnswer(what, [f"(root): expected string, got {type(value).__name__}"])
    return value


@dataclass(frozen=True)
class LineParsers(Generic[ModelT]):
    """How one line of the contract reads the entities and the ``events.create`` result."""

    event: Callable[[Any], Any]
    run: Callable[[Any], Any]
    step: Callable[[Any], Any]
    hook: Callable[[Any], Any]
    event_result: type[ModelT]


read_event = answered(validation.parse_event)
read_run = answered(validation.parse_run)
read_step = answered(validation.parse_step)
read_hook = answered(validation.parse_hook)
read_wait = answered(validation.parse_wait)

LINE_4_MEMBERS = LineParsers(
    event=read_event, run=read_run, step=read_step, hook=read_hook, event_result=EventResult
)
"""The 4.x line's models (``worldspec``)."""

_SCALAR_RESULT_FIELDS = ("cursor", "hasMore", "maxEvents", "stepCreated")


def event_result(value: Any, line: LineParsers[ModelT]) -> ModelT:
    """An ``events.create`` result of ``line``: each part parsed (and decoded) by its own model."""
    data = _object(value, "EventResult")
    parsers: dict[str, Callable[[Any], Any]] = {
        "event": line.event,
        "run": line.run,
        "step": line.step,
        "hook": line.hook,
        "wait": read_wait,
    }
    parts: dict[str, Any] = {key: parse(data[key]) for key, parse in parsers.items() if key in data}
    if "events" in data:
        parts["events"] = [line.event(event) for event in sequence(data["events"], "EventResult.events")]
    scalars = {key: data[key] for key in _SCALAR_RESULT_FIELDS if key in data}
    rest = decoded(scalars, "EventResult")
    return _validated(line.event_result, "EventResult", {**rest, **parts})


def page(value: Any, parse_item: Callable[[Any], T], what: str) -> PaginatedResponse[T]:
    """A ``{data, cursor, hasMore}`` page whose items ``parse_item`` decodes and checks."""
    data = _object(value, what)
    items = [parse_item(item) for item in sequence(data.get("data"), f"{what}.data")]
    envelope = decoded({key: item for key, item in data.items() if key != "data"}, what)
    return _validated(PaginatedResponse[Any], what, {**envelope, "data": items})
