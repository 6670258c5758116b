"""The errors a World raises, mirroring ``@workflow/errors`` 4.2.1.

The runtime tells errors apart **by name only** (``e.name === 'EntityConflictError'``), so each
class carries the exact upstream ``name``, and an error counts as the one the contract asks for
only when its ``name`` is that name. Each class also has the HTTP status it maps to (``None``
where upstream defines none) and a stable ``code`` that never changes between releases.
``retry_after`` is always in seconds. When each error is raised: docs/contract/errors.md.
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
    """Base of every Workflow error (upstream ``WorkflowError``). A World raises one of its
    subclasses, never a bare ``WorkflowError``: a bridge turns a name outside the taxonomy into
    one, so it stands for "not a contract error"."""

    name: ClassVar[str] = "WorkflowError"
    """The upstream ``name``, the only thing the runtime compares."""
    http_status: ClassVar[int | None] = None
    """The HTTP status this error maps to, both ways; ``None`` where upstream defines none."""
    code: ClassVar[str] = "WORKFLOW_ERROR"
    """worldspec's stable label for the class. Not the optional wire field ``code`` of a
    ``WorkflowWorldError``, which that class keeps as ``error_code``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def fields(self) -> dict[str, Any]:
        """The upstream fields this error carries besides ``name`` and ``message``."""
        return {}


class WorkflowWorldError(WorkflowError):
    """A World operation failed (upstream ``WorkflowWorldError``): a bad client runId, a step or
    wait that does not exist (404), a malformed request (400), an unusable cursor (400).

    Fields: ``status`` (the HTTP status; defaults to the class's ``http_status``), ``error_code``
    (the wire ``code``), ``url``, ``retry_after`` (seconds). Base of ``EntityConflictError``,
    ``RunExpiredError``, ``TooEarlyError``, ``ThrottleError`` and ``PreconditionFailedError``,
    but not of the two not-found errors, which derive from ``WorkflowError``.
    """

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
    """The entity exists, is terminal, or a concurrent writer won (HTTP 409). The runtime takes
    it, from any create, as a race it lost and moves on."""

    name: ClassVar[str] = "EntityConflictError"
    http_status: ClassVar[int | None] = 409
    code: ClassVar[str] = "ENTITY_CONFLICT"


class RunExpiredError(WorkflowWorldError):
    """``run_started`` on a terminal run, or ``step_started`` on a pending step of one (410). The
    runtime takes it as harmless: the run is over."""

    name: ClassVar[str] = "RunExpiredError"
    http_status: ClassVar[int | None] = 410
    code: ClassVar[str] = "RUN_EXPIRED"


class TooEarlyError(WorkflowWorldError):
    """``step_started`` before the step's ``retryAfter`` (425). ``retry_after`` is the number of
    seconds left, rounded up; the runtime starts the step again after it."""

    name: ClassVar[str] = "TooEarlyError"
    http_status: ClassVar[int | None] = 425
    code: ClassVar[str] = "TOO_EARLY"


class ThrottleError(WorkflowWorldError):
    """Rate limited (429), an optional refusal; ``retry_after`` is in seconds."""

    name: ClassVar[str] = "ThrottleError"
    http_status: ClassVar[int | None] = 429
    code: ClassVar[str] = "THROTTLED"


class PreconditionFailedError(WorkflowWorldError):
    """The client's view of the run is stale (412): its ``stateUpdatedAt`` is older than the
    run's newest external event. Raised only by Worlds with the ``state_guard`` capability; the
    runtime reloads the log."""

    name: ClassVar[str] = "PreconditionFailedError"
    http_status: ClassVar[int | None] = 412
    code: ClassVar[str] = "PRECONDITION_FAILED"


class WorkflowRunNotFoundError(WorkflowError):
    """No run with this id (404): a ``runs.get`` miss, or a terminal run event for a missing run.
    ``run_id`` (wire ``runId``) names the id looked up."""

    name: ClassVar[str] = "WorkflowRunNotFoundError"
    http_status: ClassVar[int | None] = 404
    code: ClassVar[str] = "RUN_NOT_FOUND"

    def __init__(self, run_id: str, message: str | None = None) -> None:
        super().__init__(message or f'Workflow run "{run_id}" not found')
        self.run_id = run_id

    def fields(self) -> dict[str, Any]:
        return {"runId": self.run_id}


class HookNotFoundError(WorkflowError):
    """No live hook with this id or token (404): ``hook_received``/``hook_disposed`` without a
    live hook, or a ``hooks.get``/``get_by_token`` miss. ``token`` names what was looked up."""

    name: ClassVar[str] = "HookNotFoundError"
    http_status: ClassVar[int | None] = 404
    code: ClassVar[str] = "HOOK_NOT_FOUND"

    def __init__(self, token: str, message: str | None = None) -> None:
        super().__init__(message or "Hook not found")
        self.token = token

    def fields(self) -> dict[str, Any]:
        return {"token": self.token}


class RunNotSupportedError(WorkflowError):
    """The run's spec version is newer than the World's: carries both, as ``run_spec_version``
    and ``world_spec_version`` (wire ``runSpecVersion``, ``worldSpecVersion``)."""

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
