"""Field types the 5.x wire adds to those of ``worldspec.wire_types``.

- ``JsTrue``: zod's ``z.literal(true)``: the boolean ``true`` and nothing that equals it (not 1).
- ``JsPositiveInt`` and ``JsNonNegativeInt``: ``z.number().int().positive()`` and
  ``.nonnegative()``.
- ``CancelReason``: a string of at most 512 characters, counted as upstream's zod (4.5) counts
  a string's length: in code points.
- ``ABSENT_WHEN_INVALID``: annotate ``Annotated[T | MISSING, ABSENT_WHEN_INVALID]`` to read a
  field as zod's ``.optional().catch(undefined)`` reads it: a value that does not fit ``T`` is
  dropped (the field reads as absent) instead of refusing the whole object.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)

from worldspec.wire_types import MISSING, JsInt, JsStr

__all__ = [
    "ABSENT_WHEN_INVALID",
    "CANCEL_REASON_MAX_LENGTH",
    "CancelReason",
    "JsNonNegativeInt",
    "JsPositiveInt",
    "JsTrue",
]

CANCEL_REASON_MAX_LENGTH: Final = 512


def _strict_true(value: object) -> object:
    if value is not True:
        raise ValueError("expected true")
    return value


JsTrue = Annotated[Literal[True], BeforeValidator(_strict_true)]
JsPositiveInt = Annotated[JsInt, Field(gt=0)]
JsNonNegativeInt = Annotated[JsInt, Field(ge=0)]


def _short_reason(reason: str) -> str:
    if len(reason) > CANCEL_REASON_MAX_LENGTH:
        raise ValueError(f"cancelReason has at most {CANCEL_REASON_MAX_LENGTH} characters, got {len(reason)}")
    return reason


CancelReason = Annotated[JsStr, AfterValidator(_short_reason)]


def _absent_when_invalid(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(value)
    except ValidationError:
        return MISSING


ABSENT_WHEN_INVALID: Final = WrapValidator(_absent_when_invalid)
"""Turns a value that does not validate into ``MISSING`` (see the module docstring)."""
