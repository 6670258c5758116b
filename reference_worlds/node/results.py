"""What comes back from Node, decoded once and checked against worldspec's wire models.

Values arrive as tagged JSON data (``worldspec.wire``); each parser here decodes its part
exactly once, so a user object shaped like a tag stays an object. A World that returns the
wrong shape fails here with ``worldspec.ValidationError`` naming the method and the field,
instead of handing the kit a half-valid object.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pydantic

from worldspec.events import EventResult
from worldspec.pagination import PaginatedResponse
from worldspec.validation import ValidationError, parse_event, parse_hook, parse_run, parse_step, parse_wait
from worldspec.wire import from_tagged

__all__ = ["decoded", "event_result", "model", "page", "sequence", "text"]

T = TypeVar("T")
ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError(what, [f"(root): expected object, got {type(value).__name__}"])
    return value


def decoded(value: Any, what: str) -> Any:
    """Tagged JSON data as Python values, or a ``ValidationError`` for a malformed tag."""
    try:
        return from_tagged(value)
    except ValueError as error:
        raise ValidationError(what, [f"(tagged JSON): {error}"]) from None


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
        raise ValidationError(what, problems) from None


def sequence(value: Any, what: str) -> list[Any]:
    """``value``, which must be an array."""
    if not isinstance(value, list):
        raise ValidationError(what, [f"(root): expected array, got {type(value).__name__}"])
    return value


def text(value: Any, what: str) -> str:
    """``value``, which must be a string."""
    if not isinstance(value, str):
        raise ValidationError(what, [f"(root): expected string, got {type(value).__name__}"])
    return value


_ENTITY_PARSERS: dict[str, Callable[[Any], Any]] = {
    "event": parse_event,
    "run": parse_run,
    "step": parse_step,
    "hook": parse_hook,
    "wait": parse_wait,
}


def event_result(value: Any) -> EventResult:
    """An ``events.create`` result: each part parsed (and decoded) by its own model."""
    data = _object(value, "EventResult")
    parts: dict[str, Any] = {key: parse(data[key]) for key, parse in _ENTITY_PARSERS.items() if key in data}
    if "events" in data:
        parts["events"] = [parse_event(event) for event in sequence(data["events"], "EventResult.events")]
    paging = {key: data[key] for key in ("cursor", "hasMore", "maxEvents") if key in data}
    rest = decoded(paging, "EventResult")
    return _validated(EventResult, "EventResult", {**rest, **parts})


def page(value: Any, parse_item: Callable[[Any], T], what: str) -> PaginatedResponse[T]:
    """A ``{data, cursor, hasMore}`` page whose items ``parse_item`` decodes and checks."""
    data = _object(value, what)
    items = [parse_item(item) for item in sequence(data.get("data"), f"{what}.data")]
    envelope = decoded({key: item for key, item in data.items() if key != "data"}, what)
    return _validated(PaginatedResponse[Any], what, {**envelope, "data": items})
