"""Run attributes (world-contract-v7.md §4.7; ``@workflow/world`` 5.0.0-beta.37 src/attributes*.ts).

A run carries plaintext ``attributes``, a string-to-string record seeded by ``run_created``
and changed by ``attr_set`` events. This module holds the wire shapes of a change and of its
writer, the limits, the validation rules (V) and how changes merge.

V, for a batch of changes against a run's current keys:

- a key is a string of 1 to 256 characters (JavaScript ``length``: UTF-16 code units) that does
  not start with ``$`` unless reserved keys are allowed;
- a value is a string of at most 256 UTF-8 bytes, or ``None`` (remove the key);
- no key appears twice in one batch;
- after the merge the run has at most 64 keys; removing an absent key offsets nothing.

The wire schema of a change (``AttributeChange``) is looser than V in two ways, as upstream's:
it allows ``$`` keys (V decides with the request's ``allowReservedAttributes``), and it counts
a key's length in code points, as zod 4.5 counts it, where V counts UTF-16 units, so a key of
129 emoji passes the schema and fails V.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, Field

from worldspec.base import WireModel
from worldspec.line5.errors import AttributeValidationError
from worldspec.line5.js_strings import js_length, utf8_length
from worldspec.wire_types import JsNumber, JsStr

__all__ = [
    "ATTRIBUTE_EVENT_DATA_MAX_BYTES",
    "ATTRIBUTE_KEY_MAX_LENGTH",
    "ATTRIBUTE_MAX_PER_RUN",
    "ATTRIBUTE_VALUE_MAX_BYTES",
    "PARENT_RUN_ID_ATTRIBUTE",
    "RESERVED_ATTRIBUTE_PREFIX",
    "RETENTION_ATTRIBUTE",
    "ROOT_RUN_ID_ATTRIBUTE",
    "AttributeChange",
    "AttributeChanges",
    "AttributeWriter",
    "StepWriter",
    "WorkflowWriter",
    "apply_attribute_changes",
    "attribute_event_data_size",
    "check_batch_constraints",
    "purges_user_data_on_finish",
    "validate_attribute_changes",
]

ATTRIBUTE_KEY_MAX_LENGTH: Final = 256
ATTRIBUTE_VALUE_MAX_BYTES: Final = 256
ATTRIBUTE_MAX_PER_RUN: Final = 64
ATTRIBUTE_EVENT_DATA_MAX_BYTES: Final = 8192
"""A World MAY refuse ``attr_set`` eventData whose JSON text exceeds this many UTF-8 bytes."""

RESERVED_ATTRIBUTE_PREFIX: Final = "$"
ROOT_RUN_ID_ATTRIBUTE: Final = "$rootRunId"
PARENT_RUN_ID_ATTRIBUTE: Final = "$parentRunId"
RETENTION_ATTRIBUTE: Final = "$retention"
"""Holds the caller's retention wish; exactly ``'0'`` asks for the run's data to go when it ends."""


def _key_length(key: str) -> str:
    if not 1 <= len(key) <= ATTRIBUTE_KEY_MAX_LENGTH:
        raise ValueError(f"an attribute key has 1 to {ATTRIBUTE_KEY_MAX_LENGTH} characters, got {len(key)}")
    return key


def _value_size(value: str | None) -> str | None:
    if value is not None and utf8_length(value) > ATTRIBUTE_VALUE_MAX_BYTES:
        raise ValueError(f"an attribute value has at most {ATTRIBUTE_VALUE_MAX_BYTES} UTF-8 bytes")
    return value


class AttributeChange(WireModel):
    """``{key, value}``: a string value upserts the key, ``None`` removes it."""

    key: Annotated[JsStr, AfterValidator(_key_length)]
    value: Annotated[JsStr | None, AfterValidator(_value_size)]


def check_batch_constraints(
    changes: Sequence[AttributeChange], existing_keys: Iterable[str] | None = None
) -> None:
    """Raise ``AttributeValidationError`` for a key repeated in ``changes`` or a post-merge
    count above ``ATTRIBUTE_MAX_PER_RUN``. Without ``existing_keys`` every string value counts
    as an addition, as upstream's schema counts it."""
    existing = None if existing_keys is None else set(existing_keys)
    count = len(existing or ())
    seen: set[str] = set()
    for change in changes:
        if change.key in seen:
            raise AttributeValidationError(
                f"attribute key {change.key!r} appears more than once in one batch"
            )
        seen.add(change.key)
        if change.value is None:
            count -= 1 if existing is not None and change.key in existing else 0
        elif existing is None or change.key not in existing:
            count += 1
    if count > ATTRIBUTE_MAX_PER_RUN:
        raise AttributeValidationError(
            f"the run would have {count} attributes, more than the {ATTRIBUTE_MAX_PER_RUN} allowed"
        )


def _batch(changes: list[AttributeChange]) -> list[AttributeChange]:
    try:
        check_batch_constraints(changes)
    except AttributeValidationError as error:
        raise ValueError(error.message) from None
    return changes


AttributeChanges = Annotated[list[AttributeChange], AfterValidator(_batch)]
"""A batch of changes as ``attr_set`` carries it: each change valid, no key twice, at most
64 additions. Reserved keys are a matter for V, not for the schema."""


class WorkflowWriter(WireModel):
    """The workflow body wrote the change; its ``attr_set`` is keyed by correlationId."""

    type: Literal["workflow"] = "workflow"


class StepWriter(WireModel):
    """A step body wrote the change, in attempt ``attempt``; never deduplicated."""

    type: Literal["step"] = "step"
    step_id: JsStr
    attempt: JsNumber


AttributeWriter = Annotated[WorkflowWriter | StepWriter, Field(discriminator="type")]


def validate_attribute_changes(
    changes: Sequence[AttributeChange],
    existing_keys: Iterable[str] = (),
    *,
    allow_reserved: bool = False,
) -> None:
    """Apply V to ``changes`` against a run holding ``existing_keys``; raise
    ``AttributeValidationError`` on the first failure (see the module docstring)."""
    for change in changes:
        if not 1 <= js_length(change.key) <= ATTRIBUTE_KEY_MAX_LENGTH:
            raise AttributeValidationError(f"attribute key {change.key[:32]!r} has the wrong length")
        if not allow_reserved and change.key.startswith(RESERVED_ATTRIBUTE_PREFIX):
            raise AttributeValidationError(
                f"attribute key {change.key!r} starts with the reserved prefix "
                f"{RESERVED_ATTRIBUTE_PREFIX!r}; only allowReservedAttributes: true permits it"
            )
        if change.value is not None and utf8_length(change.value) > ATTRIBUTE_VALUE_MAX_BYTES:
            raise AttributeValidationError(
                f"the value of attribute {change.key!r} has more than {ATTRIBUTE_VALUE_MAX_BYTES} UTF-8 bytes"
            )
    check_batch_constraints(changes, existing_keys)


def apply_attribute_changes(
    existing: Mapping[str, str], changes: Sequence[AttributeChange]
) -> dict[str, str]:
    """``existing`` merged with ``changes`` in order: a string upserts, ``None`` removes, keys
    not named stay."""
    merged = dict(existing)
    for change in changes:
        if change.value is None:
            merged.pop(change.key, None)
        else:
            merged[change.key] = change.value
    return merged


def attribute_event_data_size(event_data: Mapping[str, Any]) -> int:
    """The UTF-8 size of ``event_data`` (wire form) as ``JSON.stringify`` writes it."""
    return utf8_length(json.dumps(event_data, ensure_ascii=False, separators=(",", ":")))


def purges_user_data_on_finish(attributes: Mapping[str, str]) -> bool:
    """True when the run asked for its data to go at its end: ``$retention`` is exactly
    ``'0'``. Every other value (``'7'``, ``' 0 '``, ``'0.0'``, ``'default'``) keeps the data."""
    return attributes.get(RETENTION_ATTRIBUTE) == "0"
