"""The errors of the 5.x line (``@workflow/errors`` 5.0.0-beta.22, world-contract-v7.md §3).

The names the 4.x line knows keep their classes (``worldspec.errors``); this module adds what
5.x adds and is the line's own name table:

- ``RunExpiredError`` now carries ``code: 'run-expired'`` and, when known, the run's id,
  status and expiry. It subclasses the 4.x class of the same name, so either is caught as the
  other and the name is the same.
- ``StreamError`` and ``StreamExpiredError`` are new stream failures.
- ``AttributeValidationError`` (exported by ``@workflow/world``, base ``Error`` upstream) refuses
  attributes that break the validation rules; ``WorkflowWorldError`` with status 400 is an
  equivalent answer (§4.7).
- ``SerializationError`` is the runtime's and never a World's.

Not modelled: ``WorkflowWorldError.field`` and ``PreconditionFailedError.details``, which no
rule of the contract reads (docs/decisions.md, "The 5.x line").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Final

from worldspec import errors as line4
from worldspec.errors import (
    EntityConflictError,
    HookConflictError,
    HookNotFoundError,
    PreconditionFailedError,
    RunNotSupportedError,
    ThrottleError,
    TooEarlyError,
    WorkflowError,
    WorkflowRunNotFoundError,
    WorkflowWorldError,
)

__all__ = [
    "ERROR_CLASSES",
    "RAISED_BY_WORLDS",
    "AttributeValidationError",
    "EntityConflictError",
    "HookConflictError",
    "HookNotFoundError",
    "PreconditionFailedError",
    "RunExpiredError",
    "RunNotSupportedError",
    "SerializationError",
    "StreamError",
    "StreamExpiredError",
    "ThrottleError",
    "TooEarlyError",
    "WorkflowError",
    "WorkflowRunNotFoundError",
    "WorkflowWorldError",
    "error_from_name",
]


class RunExpiredError(line4.RunExpiredError):
    """The run is terminal or its data expired (410, ``code: 'run-expired'``).

    ``run_id``, ``run_status`` and ``expired_at`` are set when the World knows them.
    """

    def __init__(
        self,
        message: str,
        run_id: str | None = None,
        run_status: str | None = None,
        expired_at: datetime | None = None,
    ) -> None:
        super().__init__(message, error_code="run-expired")
        self.run_id = run_id
        self.run_status = run_status
        self.expired_at = expired_at

    def fields(self) -> dict[str, Any]:
        found = {"runId": self.run_id, "runStatus": self.run_status, "expiredAt": self.expired_at}
        return {**super().fields(), **{key: value for key, value in found.items() if value is not None}}


class StreamError(WorkflowWorldError):
    """Stream infrastructure failed to read or write (``code: 'STREAM_ERROR'``)."""

    name: ClassVar[str] = "StreamError"
    code: ClassVar[str] = "STREAM_ERROR"

    def __init__(self, message: str, *, status: int | None = None, url: str | None = None) -> None:
        super().__init__(message, status=status, error_code="STREAM_ERROR", url=url)


class StreamExpiredError(WorkflowWorldError):
    """The stream's run passed its retention boundary (410, ``code: 'stream-expired'``)."""

    name: ClassVar[str] = "StreamExpiredError"
    http_status: ClassVar[int | None] = 410
    code: ClassVar[str] = "STREAM_EXPIRED"

    def __init__(self, message: str, run_id: str, stream_id: str, expired_at: datetime | None) -> None:
        super().__init__(message, error_code="stream-expired")
        self.run_id = run_id
        self.stream_id = stream_id
        self.expired_at = expired_at

    def fields(self) -> dict[str, Any]:
        found = {"runId": self.run_id, "streamId": self.stream_id, "expiredAt": self.expired_at}
        return {**super().fields(), **{key: value for key, value in found.items() if value is not None}}


class AttributeValidationError(WorkflowError):
    """Run attributes that break the validation rules (§4.7); the runtime fails the run
    instead of redelivering. Upstream's base is ``Error``; here it is a ``WorkflowError`` so
    that every refusal a World raises shares one base."""

    name: ClassVar[str] = "AttributeValidationError"
    http_status: ClassVar[int | None] = 400
    code: ClassVar[str] = "ATTRIBUTE_VALIDATION"


class SerializationError(WorkflowError):
    """Raised by the runtime when a value cannot be serialized; a World never raises it."""

    name: ClassVar[str] = "SerializationError"
    code: ClassVar[str] = "SERIALIZATION"


ERROR_CLASSES: Final[dict[str, type[WorkflowError]]] = {
    **line4.ERROR_CLASSES,
    **{
        cls.name: cls
        for cls in (
            RunExpiredError,
            StreamError,
            StreamExpiredError,
            AttributeValidationError,
            SerializationError,
        )
    },
}
"""Every error class of the line by its upstream ``name``."""

RAISED_BY_WORLDS: Final = frozenset(ERROR_CLASSES) - {
    "WorkflowError",
    "HookConflictError",
    "SerializationError",
}
"""The names a World of this line may raise: the runtime raises the others."""


def error_from_name(name: str, message: str, fields: dict[str, Any] | None = None) -> WorkflowError:
    """Rebuild the error a 5.x World raised from its ``name``, ``message`` and fields, as
    ``worldspec.errors.error_from_name`` does for the 4.x line. Dates may arrive as
    ``datetime`` or as what a bridge made of them; they are kept as given."""
    given = fields or {}
    if name == RunExpiredError.name:
        return RunExpiredError(message, given.get("runId"), given.get("runStatus"), given.get("expiredAt"))
    if name == StreamError.name:
        return StreamError(message, status=given.get("status"), url=given.get("url"))
    if name == StreamExpiredError.name:
        return StreamExpiredError(
            message, str(given.get("runId", "")), str(given.get("streamId", "")), given.get("expiredAt")
        )
    if name in (AttributeValidationError.name, SerializationError.name):
        return ERROR_CLASSES[name](message)
    return line4.error_from_name(name, message, fields)
