"""The errors a World raises, mirroring ``@workflow/errors`` 4.2.1.

The runtime tells errors apart **by name only** (``e.name === 'EntityConflictError'``), so each
class carries the exact upstream ``name``. Each also has the HTTP status it maps to (``None``
where upstream defines none) and a stable ``code`` that never changes between releases.
``retry_after`` is always in seconds.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "ERROR_CLASSES",
    "EntityConflictError",
    "HookConflictError",
    "HookNotFoundError",
    "PreconditionFailedError",
    "RunExpiredError",
    "RunNotSupportedError",
    "ThrottleError",
    "TooEarlyError",
    "WorkflowError",
    "WorkflowRunNotFoundError",
    "WorkflowWorldError",
    "error_from_name",
]


class WorkflowError(Exception):
    """Base of every Workflow error (upstream ``WorkflowError``)."""

    name: ClassVar[str] = "WorkflowError"
    http_status: ClassVar[int | None] = None
    code: ClassVar[str] = "WORKFLOW_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def fields(self) -> dict[str, Any]:
        """The upstream fields this error carries besides ``name`` and ``message``."""
        return {}


class WorkflowWorldError(WorkflowError):
    """A World operation failed (upstream ``WorkflowWorldError``): bad runId, missing step or
    wait, malformed request, unusable cursor. ``status`` is the HTTP status, when known."""

    name: ClassVar[str] = "WorkflowWorldError"
    code: ClassVar[str] = "WORLD_ERROR"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
        url: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status if status is not None else self.http_status
        self.error_code = error_code
        self.url = url
        self.retry_after = retry_after

    def fields(self) -> dict[str, Any]:
        found = {
            "status": self.status,
            "code": self.error_code,
            "url": self.url,
            "retryAfter": self.retry_after,
        }
        return {key: value for key, value in found.items() if value is not None}


class EntityConflictError(WorkflowWorldError):
    """The entity exists, is terminal, or a concurrent writer won (HTTP 409)."""

    name: ClassVar[str] = "EntityConflictError"
    http_status: ClassVar[int | None] = 409
    code: ClassVar[str] = "ENTITY_CONFLICT"


class RunExpiredError(WorkflowWorldError):
    """``run_started`` on a terminal run, or ``step_started`` on a pending step of one (410)."""

    name: ClassVar[str] = "RunExpiredError"
    http_status: ClassVar[int | None] = 410
    code: ClassVar[str] = "RUN_EXPIRED"


class TooEarlyError(WorkflowWorldError):
    """``step_started`` before the step's ``retryAfter`` (425); ``retry_after`` in seconds."""

    name: ClassVar[str] = "TooEarlyError"
    http_status: ClassVar[int | None] = 425
    code: ClassVar[str] = "TOO_EARLY"


class ThrottleError(WorkflowWorldError):
    """Rate limited (429); ``retry_after`` in seconds."""

    name: ClassVar[str] = "ThrottleError"
    http_status: ClassVar[int | None] = 429
    code: ClassVar[str] = "THROTTLED"


class PreconditionFailedError(WorkflowWorldError):
    """The client's event-log snapshot is stale (412), for Worlds with the state guard."""

    name: ClassVar[str] = "PreconditionFailedError"
    http_status: ClassVar[int | None] = 412
    code: ClassVar[str] = "PRECONDITION_FAILED"


class WorkflowRunNotFoundError(WorkflowError):
    """No run with this id (404)."""

    name: ClassVar[str] = "WorkflowRunNotFoundError"
    http_status: ClassVar[int | None] = 404
    code: ClassVar[str] = "RUN_NOT_FOUND"

    def __init__(self, run_id: str, message: str | None = None) -> None:
        super().__init__(message or f'Workflow run "{run_id}" not found')
        self.run_id = run_id

    def fields(self) -> dict[str, Any]:
        return {"runId": self.run_id}


class HookNotFoundError(WorkflowError):
    """No live hook with this id or token (404)."""

    name: ClassVar[str] = "HookNotFoundError"
    http_status: ClassVar[int | None] = 404
    code: ClassVar[str] = "HOOK_NOT_FOUND"

    def __init__(self, token: str, message: str | None = None) -> None:
        super().__init__(message or "Hook not found")
        self.token = token

    def fields(self) -> dict[str, Any]:
        return {"token": self.token}


class RunNotSupportedError(WorkflowError):
    """The run's spec version is newer than the World's."""

    name: ClassVar[str] = "RunNotSupportedError"
    code: ClassVar[str] = "RUN_NOT_SUPPORTED"

    def __init__(self, run_spec_version: int, world_spec_version: int, message: str | None = None) -> None:
        super().__init__(
            message
            or f"Run requires spec version {run_spec_version}, "
            f"but world supports version {world_spec_version}."
        )
        self.run_spec_version = run_spec_version
        self.world_spec_version = world_spec_version

    def fields(self) -> dict[str, Any]:
        return {
            "runSpecVersion": self.run_spec_version,
            "worldSpecVersion": self.world_spec_version,
        }


class HookConflictError(WorkflowError):
    """Raised by the runtime on a ``hook_conflict`` event; a World must never raise it."""

    name: ClassVar[str] = "HookConflictError"
    code: ClassVar[str] = "HOOK_CONFLICT"

    def __init__(self, token: str, conflicting_run_id: str | None = None, message: str | None = None) -> None:
        suffix = f' (run "{conflicting_run_id}")' if conflicting_run_id else ""
        super().__init__(message or f'Hook token "{token}" is already in use by another workflow{suffix}')
        self.token = token
        self.conflicting_run_id = conflicting_run_id

    def fields(self) -> dict[str, Any]:
        found: dict[str, Any] = {"token": self.token}
        if self.conflicting_run_id is not None:
            found["conflictingRunId"] = self.conflicting_run_id
        return found


ERROR_CLASSES: dict[str, type[WorkflowError]] = {
    cls.name: cls
    for cls in (
        WorkflowError,
        WorkflowWorldError,
        EntityConflictError,
        RunExpiredError,
        TooEarlyError,
        ThrottleError,
        PreconditionFailedError,
        WorkflowRunNotFoundError,
        HookNotFoundError,
        RunNotSupportedError,
        HookConflictError,
    )
}
"""Every error class by its upstream ``name``."""


def error_from_name(name: str, message: str, fields: dict[str, Any] | None = None) -> WorkflowError:
    """Rebuild the error an upstream World raised from its ``name``, ``message`` and fields.

    Bridges use this so the name survives the crossing. An unknown name becomes a
    ``WorkflowError`` whose message keeps the original name.
    """
    given = fields or {}
    cls = ERROR_CLASSES.get(name)
    if cls is None:
        return WorkflowError(f"{name}: {message}")
    if issubclass(cls, WorkflowWorldError):
        return cls(
            message,
            status=given.get("status"),
            error_code=given.get("code"),
            url=given.get("url"),
            retry_after=given.get("retryAfter"),
        )
    if cls is WorkflowRunNotFoundError:
        return WorkflowRunNotFoundError(str(given.get("runId", "")), message)
    if cls is HookNotFoundError:
        return HookNotFoundError(str(given.get("token", "")), message)
    if cls is RunNotSupportedError:
        return RunNotSupportedError(
            int(given.get("runSpecVersion", 0)), int(given.get("worldSpecVersion", 0)), message
        )
    if cls is HookConflictError:
        return HookConflictError(str(given.get("token", "")), given.get("conflictingRunId"), message)
    return cls(message)
