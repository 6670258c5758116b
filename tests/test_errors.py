"""The error taxonomy: upstream names, HTTP statuses, stable codes, and rebuilding by name."""

from __future__ import annotations

import pytest

from worldspec.errors import (
    ERROR_CLASSES,
    EntityConflictError,
    HookConflictError,
    HookNotFoundError,
    PreconditionFailedError,
    RunExpiredError,
    RunNotSupportedError,
    ThrottleError,
    TooEarlyError,
    WorkflowError,
    WorkflowRunNotFoundError,
    WorkflowWorldError,
    error_from_name,
)

NAMES_STATUSES_CODES = {
    "WorkflowError": (None, "WORKFLOW_ERROR"),
    "WorkflowWorldError": (None, "WORLD_ERROR"),
    "EntityConflictError": (409, "ENTITY_CONFLICT"),
    "RunExpiredError": (410, "RUN_EXPIRED"),
    "TooEarlyError": (425, "TOO_EARLY"),
    "ThrottleError": (429, "THROTTLED"),
    "PreconditionFailedError": (412, "PRECONDITION_FAILED"),
    "WorkflowRunNotFoundError": (404, "RUN_NOT_FOUND"),
    "HookNotFoundError": (404, "HOOK_NOT_FOUND"),
    "RunNotSupportedError": (None, "RUN_NOT_SUPPORTED"),
    "HookConflictError": (None, "HOOK_CONFLICT"),
}
"""Names are upstream's (the runtime tells errors apart by name); codes never change."""

SAMPLES: list[WorkflowError] = [
    WorkflowError("something broke"),
    WorkflowWorldError("bad cursor", status=400, error_code="BAD_CURSOR", url="https://w/x", retry_after=1.5),
    EntityConflictError("run is terminal"),
    RunExpiredError("run expired"),
    TooEarlyError("retry later", retry_after=3),
    ThrottleError("slow down", retry_after=2),
    PreconditionFailedError("stale snapshot"),
    WorkflowRunNotFoundError("wrun_01"),
    HookNotFoundError("tok_1"),
    RunNotSupportedError(4, 3),
    HookConflictError("tok_1", "wrun_02"),
    HookConflictError("tok_1"),
]


def test_names_statuses_and_codes_are_upstreams() -> None:
    assert {name: (cls.http_status, cls.code) for name, cls in ERROR_CLASSES.items()} == NAMES_STATUSES_CODES
    assert all(cls.name == name for name, cls in ERROR_CLASSES.items())


def test_the_hierarchy() -> None:
    for cls in (EntityConflictError, RunExpiredError, TooEarlyError, ThrottleError, PreconditionFailedError):
        assert issubclass(cls, WorkflowWorldError)
    assert all(
        issubclass(cls, WorkflowError) and issubclass(cls, Exception) for cls in ERROR_CLASSES.values()
    )


def test_a_world_error_carries_its_http_status_by_default() -> None:
    assert EntityConflictError("x").status == 409
    assert EntityConflictError("x").fields() == {"status": 409}
    assert TooEarlyError("x", retry_after=3).fields() == {"status": 425, "retryAfter": 3}
    assert WorkflowWorldError("x").fields() == {}


def test_default_messages() -> None:
    assert str(WorkflowRunNotFoundError("wrun_01")) == 'Workflow run "wrun_01" not found'
    assert str(RunNotSupportedError(4, 3)) == "Run requires spec version 4, but world supports version 3."
    assert str(HookConflictError("tok", "wrun_2")) == (
        'Hook token "tok" is already in use by another workflow (run "wrun_2")'
    )


@pytest.mark.parametrize("error", SAMPLES, ids=[f"{type(e).__name__}-{i}" for i, e in enumerate(SAMPLES)])
def test_error_from_name_rebuilds_the_error(error: WorkflowError) -> None:
    rebuilt = error_from_name(error.name, error.message, error.fields())
    assert type(rebuilt) is type(error)
    assert rebuilt.message == error.message
    assert rebuilt.fields() == error.fields()


def test_an_unknown_name_keeps_its_name_in_the_message() -> None:
    rebuilt = error_from_name("TypeError", "x is undefined")
    assert type(rebuilt) is WorkflowError
    assert rebuilt.message == "TypeError: x is undefined"
