"""The tagged JSON form (worldspec.wire) and the messages of worldspec's parsers.

Tagged JSON carries what plain JSON cannot: bytes ({"$bytes": b64}), dates
({"$timestampMs": n}), JavaScript undefined ({"$undefined": true}), and user objects that
would read as a tag ({"$object": {...}}). Whatever goes in must come out unchanged.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worldspec import MISSING, ValidationError, parse_event, parse_event_request, parse_run, parse_step
from worldspec.events import StepCompletedData, StepCompletedRequest
from worldspec.wire import from_json, from_tagged, to_json, to_tagged

AT = datetime(2024, 1, 2, 3, 4, 5, 123000, tzinfo=UTC)


@pytest.mark.parametrize(
    "payload",
    [b"", b"\x00", b"\x00\x00\x00", bytes(range(256)), b"\xff\xfe", b"hello"],
    ids=["empty", "nul", "three-nuls", "all-256", "invalid-utf8", "ascii"],
)
def test_bytes_round_trip_as_base64(payload: bytes) -> None:
    text = to_json({"payload": payload})
    assert json.loads(text) == {"payload": {"$bytes": base64.b64encode(payload).decode("ascii")}}
    decoded = from_json(text)["payload"]
    assert isinstance(decoded, bytes)
    assert decoded == payload


@given(st.binary(max_size=512))
def test_any_bytes_round_trip(payload: bytes) -> None:
    assert from_json(to_json([payload])) == [payload]


def test_bytes_like_values_become_bytes() -> None:
    assert from_json(to_json([bytearray(b"ab"), memoryview(b"cd")])) == [b"ab", b"cd"]


def test_a_str_that_is_valid_base64_stays_a_str() -> None:
    assert from_json(to_json({"input": "aGVsbG8="})) == {"input": "aGVsbG8="}


def test_datetimes_are_epoch_milliseconds() -> None:
    assert to_tagged(AT) == {"$timestampMs": 1704164645123}
    assert from_json(to_json({"at": AT})) == {"at": AT}
    plus_one = AT.astimezone(timezone(timedelta(hours=1)))
    assert from_json(to_json(plus_one)) == AT
    assert from_json(to_json(AT.replace(tzinfo=None))) == AT, "a naive datetime is UTC"
    assert from_tagged({"$timestampMs": -1}) == datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)


def test_undefined_drops_a_key_and_holds_a_place_in_an_array() -> None:
    assert to_tagged({"a": 1, "b": MISSING}) == {"a": 1}
    assert to_tagged([1, MISSING]) == [1, {"$undefined": True}]
    assert from_json('{"a": 1, "b": {"$undefined": true}}') == {"a": 1}
    assert from_json('[1, {"$undefined": true}]') == [1, MISSING]


@pytest.mark.parametrize(
    "user_object",
    [
        {"$bytes": "not a tag"},
        {"$bytes": "aGVsbG8="},
        {"$timestampMs": 5},
        {"$undefined": True},
        {"$object": {"a": 1}},
        {"$ref": 1},
        {"$object": {"$bytes": "x"}},
    ],
)
def test_a_user_object_shaped_like_a_tag_comes_back_as_itself(user_object: dict[str, Any]) -> None:
    tagged = to_tagged({"payload": user_object})
    assert list(tagged["payload"]) == ["$object"]
    assert from_tagged(json.loads(json.dumps(tagged))) == {"payload": user_object}


JSON_KEYS = st.sampled_from(["a", "b", "$bytes", "$timestampMs", "$undefined", "$object", "$ref"])
WIRE_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.binary(max_size=20)
    | st.integers(0, 253402300799999).map(
        lambda ms: datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
    ),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(JSON_KEYS, children, max_size=3),
    max_leaves=12,
)


@given(WIRE_VALUES)
def test_every_wire_value_round_trips(value: Any) -> None:
    assert from_json(to_json(value)) == value


@pytest.mark.parametrize(
    "malformed",
    [
        {"$bytes": "!!!"},
        {"$bytes": "abc"},
        {"$bytes": 5},
        {"$timestampMs": "5"},
        {"$timestampMs": True},
        {"$timestampMs": 1e300},
        {"$undefined": False},
        {"$object": [1]},
    ],
)
def test_a_malformed_tag_raises_value_error(malformed: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        from_json(json.dumps({"nested": [malformed]}))


def test_values_json_cannot_hold_are_refused() -> None:
    with pytest.raises(TypeError, match="set"):
        to_json({1, 2})
    with pytest.raises(ValueError):
        to_json(float("nan"))


def test_a_model_is_written_in_wire_form() -> None:
    request = StepCompletedRequest(correlation_id="step_01", event_data=StepCompletedData(result=b"\x00"))
    assert json.loads(to_json(request)) == {
        "eventType": "step_completed",
        "correlationId": "step_01",
        "eventData": {"result": {"$bytes": "AA=="}},
    }
    assert parse_event_request(json.loads(to_json(request))) == request


# --- what the parsers say --------------------------------------------------------------------


def problems_of(parse: Any, data: Any, **options: Any) -> list[str]:
    with pytest.raises(ValidationError) as raised:
        parse(data, **options)
    assert isinstance(raised.value, ValueError)
    return raised.value.problems


STEP_COMPLETED = {"eventType": "step_completed", "correlationId": "step_01", "specVersion": 3}
RUN = {"runId": "wrun_01", "deploymentId": "dpl_1", "workflowName": "w", "createdAt": AT, "updatedAt": AT}
STEP = {
    "runId": "wrun_01",
    "stepId": "step_01",
    "stepName": "step//./src/w//work",
    "status": "running",
    "attempt": 1,
    "specVersion": 3,
    "createdAt": AT,
    "updatedAt": AT,
}


def test_a_message_names_the_event_type_and_the_field_path() -> None:
    data = {**STEP_COMPLETED, "eventData": {"stepName": 5, "result": b""}}
    assert problems_of(parse_event_request, data) == [
        "step_completed.eventData.stepName: expected string, got int"
    ]
    with pytest.raises(
        ValidationError, match=r"^invalid event request: step_completed\.eventData\.stepName: "
    ):
        parse_event_request(data)


def test_the_strict_payload_rule_names_the_spec_version() -> None:
    data = {**STEP_COMPLETED, "eventData": {"result": "not bytes"}}
    assert parse_event_request(data).to_wire() == data, "without strict, any payload is accepted"
    assert problems_of(parse_event_request, data, strict=True) == [
        "step_completed.eventData.result: expected bytes, got str (specVersion 3)"
    ]
    legacy = {**data, "specVersion": 1}
    assert parse_event_request(legacy, strict=True).to_wire() == legacy, "legacy payloads are any JSON"
    step = {**STEP, "output": [1]}
    assert problems_of(parse_step, step, strict=True) == [
        "running.output: expected bytes, got list (specVersion 3)"
    ]


@pytest.mark.parametrize(
    ("parse", "data", "problem"),
    [
        (parse_event_request, {"eventType": "nope"}, "eventType: unknown value 'nope'"),
        (parse_event_request, {"correlationId": "c"}, "eventType: the discriminating field is absent"),
        (
            parse_event_request,
            {"eventType": "wait_created", "correlationId": "c", "eventData": {}},
            "wait_created.eventData.resumeAt: required, but absent",
        ),
        (
            parse_event_request,
            {"eventType": "wait_created", "correlationId": "c", "eventData": {"resumeAt": "Jan 2 2024"}},
            "wait_created.eventData.resumeAt: expected date, got unparseable string 'Jan 2 2024'",
        ),
        (
            parse_event_request,
            {"eventType": "run_started", "correlationId": None},
            "run_started.correlationId: expected string, got null",
        ),
        (parse_run, {**RUN, "status": "failed", "completedAt": AT}, "failed.error: required, but absent"),
        (parse_run, {**RUN, "status": "running", "output": b""}, "running.output: must be absent, got bytes"),
        (
            parse_event,
            {"eventType": "run_started", "run_id": "r", "event_id": "e", "created_at": AT},
            "run_started.runId: required, but absent",
        ),
        (parse_event, {"eventType": "run_started", "eventData": {"$bytes": "!!"}}, "(tagged JSON): $bytes"),
        (parse_event, None, "(root): expected object, got null"),
    ],
    ids=[
        "unknown-event-type",
        "no-event-type",
        "required-field",
        "bad-date",
        "null-for-optional",
        "failed-run-without-error",
        "output-on-a-running-run",
        "snake-case-keys",
        "malformed-tag",
        "not-an-object",
    ],
)
def test_messages_state_the_rule(parse: Any, data: Any, problem: str) -> None:
    problems = problems_of(parse, data)
    assert any(line.startswith(problem) for line in problems), problems


def test_object_that_is_tag_shaped_once_absent_keys_drop_is_escaped() -> None:
    from worldspec.wire import from_json, to_json
    from worldspec.wire_types import MISSING

    value = {"$bytes": "AAEC", "gone": MISSING}
    assert from_json(to_json(value)) == {"$bytes": "AAEC"}
