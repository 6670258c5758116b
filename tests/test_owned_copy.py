"""``worldspec.owned`` and the ``resolveData`` copies built on it (COPY-001).

An owned copy must share no dict, list or model with its original (a caller changing one in
place would change what the World stores), yet be equal to it with the same type at every
place. ``strip_event``/``strip_entity`` must return what loading the wire form without the
stripped keys returns, which is how they were defined before they stopped validating.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel

from tests import realistic_run, realistic_run_v7
from worldspec import resolve_data as line4
from worldspec.base import WireModel
from worldspec.entities import Hook as Line4Hook
from worldspec.events import EVENT_DATA_REF_FIELDS as LINE4_REFS
from worldspec.line5 import resolve_data as line5
from worldspec.line5.entities import Hook as Line5Hook
from worldspec.line5.events import EVENT_DATA_REF_FIELDS as LINE5_REFS
from worldspec.owned import owned_copy, owned_copy_replacing
from worldspec.validation import parse_event
from worldspec.wire_types import MISSING

AT = datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)


def _assert_owned(original: Any, copied: Any, path: str = "value", *, fields_set: bool = True) -> None:
    """Walk both in step: same type and equal everywhere, and no container is the same object;
    with ``fields_set``, every model has the same fields counted as set (which nothing in the kit
    reads, and a model loaded again from its wire form may differ in)."""
    assert type(copied) is type(original), f"{path}: {type(copied)} is not {type(original)}"
    if isinstance(original, dict | list | BaseModel | tuple):
        assert copied is not original, f"{path}: the copy shares this {type(original).__name__}"
    if isinstance(original, dict):
        assert list(copied) == list(original), path
        for key in original:
            _assert_owned(original[key], copied[key], f"{path}[{key!r}]", fields_set=fields_set)
    elif isinstance(original, list | tuple):
        assert len(copied) == len(original), path
        for index, (item, copied_item) in enumerate(zip(original, copied, strict=True)):
            _assert_owned(item, copied_item, f"{path}[{index}]", fields_set=fields_set)
    elif isinstance(original, BaseModel):
        if fields_set:
            assert copied.model_fields_set == original.model_fields_set, path
        assert copied.model_fields_set is not original.model_fields_set, path
        assert copied == original, path
        _assert_owned(original.__dict__, copied.__dict__, f"{path}.__dict__", fields_set=fields_set)
    else:
        assert copied == original, path


def _containers(value: Any) -> set[int]:
    """The ids of every dict, list and model inside ``value`` (itself included)."""
    if isinstance(value, BaseModel):
        return {id(value), id(value.__dict__)}.union(*(_containers(item) for item in value.__dict__.values()))
    if isinstance(value, dict):
        return {id(value)} | set().union(*(_containers(item) for item in value.values()))
    if isinstance(value, list):
        return {id(value)} | set().union(*(_containers(item) for item in value))
    return set()


def _models() -> list[tuple[str, WireModel]]:
    found: list[tuple[str, WireModel]] = []
    for module in (realistic_run, realistic_run_v7):
        found += [(f"{module.__name__}:{event.name}", event.stored) for event in module.realistic_events()]
        found += [
            (f"{module.__name__}:{name}", entity) for name, entity in module.realistic_entities().items()
        ]
    return found


MODELS = _models()


def _nested() -> dict[str, Any]:
    return {
        "tags": ["x", {"deep": [1, 2.5, None, True]}],
        "raw": b"\x00\xff",
        "at": AT,
        "pair": (["in", "a", "tuple"], 1),
        "buffer": bytearray(b"ab"),
        "missing": MISSING,
    }


def test_an_owned_copy_of_plain_data_shares_no_container() -> None:
    nested = _nested()
    _assert_owned(nested, owned_copy(nested))


def test_an_owned_copy_of_a_model_shares_no_container_and_keeps_what_is_immutable() -> None:
    failed = parse_event(
        {
            "runId": "wrun_1",
            "eventId": "evnt_1",
            "createdAt": AT,
            "eventType": "run_failed",
            "specVersion": 1,
            "eventData": {"error": {"message": "it broke", "cause": ["a", {"b": [1]}]}, "errorCode": "E"},
        }
    )
    copied = owned_copy(failed)
    _assert_owned(failed, copied)
    assert copied.run_id is failed.run_id, "an immutable leaf is shared, not rebuilt"
    copied.event_data.error["cause"][1]["b"].append("scribbled")  # type: ignore[union-attr]
    assert failed.event_data.error == {"message": "it broke", "cause": ["a", {"b": [1]}]}  # type: ignore[union-attr]


@pytest.mark.parametrize(("name", "model"), MODELS, ids=[name for name, _ in MODELS])
def test_an_owned_copy_of_every_realistic_event_and_entity_shares_no_container(
    name: str, model: WireModel
) -> None:
    _assert_owned(model, owned_copy(model))


def test_replacing_a_field_with_missing_unsets_it_and_an_unknown_name_is_refused() -> None:
    hook = realistic_run.realistic_entities()["hook"]
    stripped = owned_copy_replacing(hook, {"metadata": MISSING})
    assert stripped.metadata is MISSING  # type: ignore[attr-defined]
    assert "metadata" not in stripped.model_fields_set
    assert "metadata" in hook.model_fields_set
    with pytest.raises(ValueError, match="no field 'token' that may be MISSING"):
        owned_copy_replacing(hook, {"token": MISSING})
    with pytest.raises(ValueError, match="no field 'nope'"):
        owned_copy_replacing(hook, {"nope": 1})


def _loaded_without(model: WireModel, refs: dict[str, tuple[str, ...]], hook: type) -> WireModel:
    """What a read with ``'none'`` returns by definition: the wire form without the stripped keys,
    loaded again (how ``strip_event``/``strip_entity`` were written before)."""
    wire = model.to_wire()
    if "eventType" not in wire:
        dropped = ("metadata",) if isinstance(model, hook) else ("input", "output")
        return type(model).model_validate({key: value for key, value in wire.items() if key not in dropped})
    if "eventData" in wire:
        kept = {
            key: value
            for key, value in wire.pop("eventData").items()
            if key not in refs.get(wire["eventType"], ())
        }
        if kept:
            wire["eventData"] = kept
    return type(model).model_validate(wire, by_alias=True, by_name=False)


def _edge_events() -> list[WireModel]:
    stored = {"runId": "wrun_1", "eventId": "evnt_1", "createdAt": AT, "specVersion": 1}
    return [
        parse_event({**stored, "eventType": "run_failed", "eventData": {"error": {"tags": ["x"]}}}),
        parse_event({**stored, "eventType": "step_started", "correlationId": "s", "eventData": {}}),
        parse_event({**stored, "eventType": "step_started", "correlationId": "s"}),
        parse_event(
            {
                **stored,
                "eventType": "hook_created",
                "correlationId": "h",
                "eventData": {"token": "t", "metadata": [1]},
            }
        ),
    ]


@pytest.mark.parametrize("resolve", ["all", "none"])
def test_the_line4_copies_equal_loading_the_wire_form_without_the_stripped_keys(resolve: str) -> None:
    for model in [
        model for name, model in MODELS if name.startswith("tests.realistic_run:")
    ] + _edge_events():
        stripped = (
            line4.strip_event(model, resolve)  # type: ignore[arg-type]
            if "eventType" in model.to_wire()
            else line4.strip_entity(model, resolve)  # type: ignore[arg-type]
        )
        expected = _loaded_without(model, LINE4_REFS, Line4Hook) if resolve == "none" else model
        _assert_owned(expected, stripped, repr(model)[:60], fields_set=resolve == "all")
        assert not _containers(model) & _containers(stripped), "the copy shares a container with the original"


@pytest.mark.parametrize("resolve", ["all", "none"])
def test_the_line5_copies_equal_loading_the_wire_form_without_the_stripped_keys(resolve: str) -> None:
    for name, model in MODELS:
        if not name.startswith("tests.realistic_run_v7:"):
            continue
        stripped = (
            line5.strip_event(model, resolve)  # type: ignore[arg-type]
            if "eventType" in model.to_wire()
            else line5.strip_entity(model, resolve)  # type: ignore[arg-type]
        )
        expected = _loaded_without(model, LINE5_REFS, Line5Hook) if resolve == "none" else model
        _assert_owned(expected, stripped, name, fields_set=resolve == "all")
        assert not _containers(model) & _containers(stripped), f"{name}: the copy shares a container"
