"""``decide``: ``events.create`` on the 5.x line, in the order of world-contract-v7.md §4.1.

1. Schema: the request must be a creatable 5.x event (``hook_conflict``, ``noop`` and malformed
   requests are refused with ``WorkflowWorldError`` 400); World limits: retention beyond the
   World's cap, ``attr_set`` eventData over 8192 bytes.
2. runId: minted for ``run_created`` without one, checked for a client's; required otherwise.
3. specVersion: the request's, else D.
4. The run: missing ⇒ resilient start or ``WorkflowRunNotFoundError``.
5. Its version: above 7 ⇒ ``RunNotSupportedError``; legacy ⇒ ``legacy_event``.
6-7. The terminal guard and the entity rules, in the module of each kind.
"""

from __future__ import annotations

from typing import Final

import pydantic
from pydantic import TypeAdapter

from reference_worlds.rules_line5.context import Context, Outcome, StoreView
from reference_worlds.rules_line5.hooks import hook_event
from reference_worlds.rules_line5.legacy import legacy_event
from reference_worlds.rules_line5.runs import (
    attr_set,
    is_resilient_start,
    resilient_start,
    run_created,
    run_event,
)
from reference_worlds.rules_line5.steps import step_event
from reference_worlds.rules_line5.waits import wait_event
from worldspec.line5 import errors
from worldspec.line5.attributes import ATTRIBUTE_EVENT_DATA_MAX_BYTES, attribute_event_data_size
from worldspec.line5.events import (
    AttrSetRequest,
    CreateEventParams,
    EventRequest,
    HookCreatedRequest,
    RunCreatedRequest,
    RunStartedRequest,
)
from worldspec.line5.spec_version import is_legacy_spec_version, requires_newer_world
from worldspec.wire_types import MISSING

__all__ = ["decide", "validated_request"]

_REQUEST: Final = TypeAdapter[EventRequest](EventRequest)


def validated_request(request: object) -> EventRequest:
    """``request`` loaded afresh as a 5.x request; ``WorkflowWorldError`` 400 when it is not one.

    A client may hand over anything: a model built without validation, a 4.x request, a World-only
    type. Its wire form is what counts."""
    try:
        wire = request.model_dump(by_alias=True, warnings=False)  # type: ignore[attr-defined]
        return _REQUEST.validate_python(wire, by_alias=True, by_name=False)
    except (pydantic.ValidationError, ValueError, TypeError, AttributeError) as error:
        kind = getattr(request, "event_type", type(request).__name__)
        raise errors.WorkflowWorldError(f"not a creatable 5.x event ({kind}): {error}", status=400) from None


def _check_world_limits(request: EventRequest, ctx: Context) -> None:
    if isinstance(request, HookCreatedRequest) and ctx.hook_retention_limit is not None:
        until = request.event_data.token_retention_until
        if until is not MISSING and until > ctx.now + ctx.hook_retention_limit:
            days = ctx.hook_retention_limit.total_seconds() / 86400
            raise errors.WorkflowWorldError(
                f"hook retention beyond this World's limit of {days:g} days", status=400
            )
    if isinstance(request, AttrSetRequest):
        size = attribute_event_data_size(request.to_wire()["eventData"])
        if size > ATTRIBUTE_EVENT_DATA_MAX_BYTES:
            raise errors.WorkflowWorldError(
                f"attr_set eventData is {size} UTF-8 JSON bytes, more than {ATTRIBUTE_EVENT_DATA_MAX_BYTES}",
                status=400,
            )


async def decide(
    store: StoreView, run_id: str | None, request: object, params: CreateEventParams, ctx: Context
) -> Outcome:
    """Decide ``events.create(run_id, request, params)`` against ``store``; raise if refused."""
    valid = validated_request(request)
    _check_world_limits(valid, ctx)
    version = valid.spec_version if valid.spec_version is not MISSING else ctx.default_spec_version
    if isinstance(valid, RunCreatedRequest):
        return await run_created(store, run_id, valid, ctx, version)
    if not run_id:
        raise errors.WorkflowWorldError(f"{valid.event_type} needs a runId", status=400)
    run = await store.run(run_id)
    if run is None:
        if isinstance(valid, RunStartedRequest) and is_resilient_start(valid):
            return resilient_start(run_id, valid, ctx, version)
        raise errors.WorkflowRunNotFoundError(run_id)
    stored_version = run.spec_version if run.spec_version is not MISSING else None
    if requires_newer_world(stored_version):
        raise errors.RunNotSupportedError(int(stored_version or 0), ctx.world_spec_version)
    if is_legacy_spec_version(stored_version):
        return await legacy_event(store, run, valid, ctx, version)
    if isinstance(valid, AttrSetRequest):
        return await attr_set(store, run, valid, ctx, version)
    kind = valid.event_type.split("_")[0]
    if kind == "run":
        return run_event(run, valid, ctx, version)
    if kind == "step":
        return await step_event(store, run, valid, ctx, version)
    if kind == "hook":
        return await hook_event(store, run, valid, params, ctx, version)
    return await wait_event(store, run, valid, ctx, version)
