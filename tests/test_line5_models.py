"""The 5.x line's models beyond schema parity: which line a spec version belongs to, slot ids,
attribute validation V, the line's errors and ``resolveData: 'none'``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from conformance.cli import main
from worldspec import errors as line4_errors
from worldspec.json_schema import SCHEMA_MODELS_LINE_5
from worldspec.line5 import errors
from worldspec.line5.attributes import (
    AttributeChange,
    apply_attribute_changes,
    attribute_event_data_size,
    purges_user_data_on_finish,
    validate_attribute_changes,
)
from worldspec.line5.events import is_lazy_step_start
from worldspec.line5.resolve_data import strip_event
from worldspec.line5.slots import event_id_to_slot, is_slot_event_id, slot_to_event_id
from worldspec.line5.validation import parse_event, parse_event_request
from worldspec.lines import SpecLine, UnsupportedSpecVersion, line_of
from worldspec.ulid import successor

AT = datetime(2025, 3, 4, tzinfo=UTC)


LINES = [(None, SpecLine.LINE_4), (0, SpecLine.LINE_4), (1, SpecLine.LINE_4), (2, SpecLine.LINE_4)]
LINES += [(3, SpecLine.LINE_4), (6, SpecLine.LINE_5), (7, SpecLine.LINE_5)]


@pytest.mark.parametrize(("version", "line"), LINES)
def test_a_spec_version_maps_to_its_line(version: int | None, line: SpecLine) -> None:
    assert line_of(version) is line


@pytest.mark.parametrize(
    ("version", "says"),
    [
        (4, "transitional"),
        (5, "transitional"),
        (8, "versions up to 3"),
        (100, "versions up to 3"),
        (7.0, "integer"),
        (True, "integer"),
        ("7", "integer"),
    ],
)
def test_other_spec_versions_are_refused_with_the_reason(version: object, says: str) -> None:
    with pytest.raises(UnsupportedSpecVersion, match=says) as refused:
        line_of(version)
    assert refused.value.version == version
    assert isinstance(refused.value, ValueError)


def test_slot_ids_are_evnt_and_26_digits_with_ten_leading_zeros() -> None:
    assert slot_to_event_id(1) == "evnt_00000000000000000000000001"
    assert slot_to_event_id(2**53 - 1) == "evnt_00000000009007199254740991"
    assert event_id_to_slot("evnt_00000000000000000000000042") == 42
    assert event_id_to_slot("wevt_00000000000000000000000042") == 42, "any prefix, as upstream reads ids"
    assert event_id_to_slot("evnt_01HK421P83Q3JP5NMP6CPW6YQA") is None, "a ULID is not a slot"
    assert event_id_to_slot("evnt_00000000000000000000000000") is None, "slots start at 1"
    assert event_id_to_slot("evnt_0000000001000000000000000") is None, "26 digits exactly"
    assert event_id_to_slot("evnt_00000000009999999999999999") is None, "beyond JavaScript's safe integers"
    assert is_slot_event_id(slot_to_event_id(7))
    for bad in (0, -1, 2**53, True, 1.0):
        with pytest.raises(ValueError):
            slot_to_event_id(bad)  # type: ignore[arg-type]


def _changes(*pairs: tuple[str, str | None]) -> list[AttributeChange]:
    """Changes built without the schema's checks, as a careless client sends them: V must judge."""
    return [AttributeChange.model_construct(key=key, value=value) for key, value in pairs]


def test_attribute_validation_refuses_what_v_refuses() -> None:
    validate_attribute_changes(_changes(("stage", "a"), ("gone", None)), existing_keys=["gone"])
    refused = [
        (_changes(("$retention", "0")), [], "reserved prefix"),
        (_changes(("k" * 257, "v")), [], "wrong length"),
        (_changes(("\U0001f600" * 129, "v")), [], "wrong length"),
        (_changes(("k", "é" * 129)), [], "UTF-8 bytes"),
        (_changes(("k", "a"), ("k", "b")), [], "more than once"),
        (_changes(("new", "v")), [f"k{index}" for index in range(64)], "more than the 64"),
        (_changes(("absent", None), ("new", "v")), [f"k{index}" for index in range(64)], "more than the 64"),
    ]
    for changes, existing, message in refused:
        with pytest.raises(errors.AttributeValidationError, match=message):
            validate_attribute_changes(changes, existing_keys=existing)
    validate_attribute_changes(_changes(("$retention", "0")), allow_reserved=True)
    validate_attribute_changes(
        _changes(("k63", None), ("new", "v")), existing_keys=[f"k{i}" for i in range(64)]
    )


def test_changes_merge_in_order() -> None:
    merged = apply_attribute_changes(
        {"a": "1", "b": "2"}, _changes(("a", "3"), ("b", None), ("c", "4"), ("c", None))
    )
    assert merged == {"a": "3"}


def test_retention_zero_is_exactly_the_string_zero() -> None:
    assert purges_user_data_on_finish({"$retention": "0"})
    for kept in ("7", " 0 ", "0.0", "-0", "00", "default", ""):
        assert not purges_user_data_on_finish({"$retention": kept}), kept
    assert not purges_user_data_on_finish({})


def test_attr_set_event_data_size_is_json_utf8_bytes() -> None:
    assert attribute_event_data_size({"changes": [{"key": "k", "value": "é"}]}) == len(
        '{"changes":[{"key":"k","value":"é"}]}'.encode()
    )


def test_the_line_has_its_own_error_table_and_rebuilds_new_names() -> None:
    assert {"StreamError", "StreamExpiredError", "AttributeValidationError"} <= set(errors.ERROR_CLASSES)
    assert "AttributeValidationError" not in line4_errors.ERROR_CLASSES, "the 4.x table does not grow"
    assert "SerializationError" not in errors.RAISED_BY_WORLDS
    expired = errors.RunExpiredError("gone", "wrun_1", "completed", AT)
    assert isinstance(expired, line4_errors.RunExpiredError)
    assert expired.fields() == {
        "status": 410,
        "code": "run-expired",
        "runId": "wrun_1",
        "runStatus": "completed",
        "expiredAt": AT,
    }
    for error in (
        expired,
        errors.StreamExpiredError("gone", "wrun_1", "strm", AT),
        errors.StreamError("down", status=503),
        errors.AttributeValidationError("bad key"),
        errors.EntityConflictError("exists"),
    ):
        rebuilt = errors.error_from_name(error.name, error.message, error.fields())
        assert type(rebuilt) is type(error)
        assert rebuilt.fields() == error.fields()


def test_lazy_start_is_a_string_step_name_and_an_input() -> None:
    def started(data: dict[str, object]) -> object:
        return parse_event_request({"eventType": "step_started", "correlationId": "s", "eventData": data})

    assert is_lazy_step_start(started({"stepName": "n", "input": b""}))  # type: ignore[arg-type]
    assert is_lazy_step_start(started({"stepName": "n", "input": None}))  # type: ignore[arg-type]
    assert not is_lazy_step_start(started({"stepName": "n"}))  # type: ignore[arg-type]
    assert not is_lazy_step_start(started({"input": b""}))  # type: ignore[arg-type]


def test_resolve_data_none_strips_the_lines_ref_fields() -> None:
    stored = {"runId": "wrun_1", "eventId": slot_to_event_id(3), "createdAt": AT, "correlationId": "s"}
    lazy = parse_event({**stored, "eventType": "step_started", "eventData": {"stepName": "n", "input": b"x"}})
    assert strip_event(lazy, "none").to_wire()["eventData"] == {"stepName": "n"}
    cancelled = parse_event(
        {**stored, "eventType": "run_cancelled", "eventData": {"cancelReason": "stop"}, "correlationId": "c"}
    )
    assert strip_event(cancelled, "none") == cancelled, "cancelReason is not a ref field"
    failed = parse_event({**stored, "eventType": "run_failed", "eventData": {"error": b"e"}})
    assert "eventData" not in strip_event(failed, "none").to_wire(), "an emptied eventData is dropped"
    tag_shaped = parse_event(
        {
            **stored,
            "eventType": "step_created",
            "eventData": {"stepName": "n", "input": b"", "workflowName": "w"},
        }
    )
    assert strip_event(tag_shaped, "none").to_wire()["eventData"] == {"stepName": "n", "workflowName": "w"}


def test_the_successor_of_a_ulid_is_the_next_one_up() -> None:
    assert successor("01HK421P83Q3JP5NMP6CPW6YQA") == "01HK421P83Q3JP5NMP6CPW6YQB"
    assert successor("01HK421P83Q3JP5NMP6CPW6YQZ") == "01HK421P83Q3JP5NMP6CPW6YR0"
    with pytest.raises(ValueError):
        successor("7ZZZZZZZZZZZZZZZZZZZZZZZZZ")


def test_the_schema_command_describes_the_line_of_a_spec_version(tmp_path: Path) -> None:
    assert main(["schema", "--out", str(tmp_path / "five"), "--spec", "7"]) == 0
    written = sorted(path.stem for path in (tmp_path / "five").iterdir())
    assert written == sorted(f"{name}.schema" for name in SCHEMA_MODELS_LINE_5)
    event = (tmp_path / "five" / "Event.schema.json").read_text()
    assert '"attr_set"' in event and '"noop"' in event and "replayEventObserver" not in event
    assert main(["schema", "--out", str(tmp_path / "none"), "--spec", "5"]) == 2
    assert not (tmp_path / "none").exists()
