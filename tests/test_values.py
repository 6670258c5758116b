"""The kit's adversarial values are what they claim: twins differ in exactly one way, names are
legal where the contract says, payloads carry every byte shape at depth."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from hypothesis import given, settings

from conformance.checks import values


def _like(pattern: str, value: str) -> bool:
    """Whether SQL ``value LIKE pattern`` (no escape) holds."""
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL) is not None


def test_twins_differ_only_in_the_way_they_say() -> None:
    twins = values.twins(lambda core: core)
    for twin in twins:
        assert twin.first != twin.second, twin
    by_kind = {twin.differ_by: twin for twin in twins}
    assert by_kind["case"].first.casefold() == by_kind["case"].second.casefold()
    normal = by_kind["Unicode normal form (NFC, NFD)"]
    assert unicodedata.normalize("NFC", normal.first) == unicodedata.normalize("NFC", normal.second)
    folded = by_kind["full case folding (\u00df, SS)"]
    assert folded.first.casefold() == folded.second.casefold()
    assert by_kind["a suffix"].second.startswith(by_kind["a suffix"].first)
    assert by_kind["a prefix"].second.endswith(by_kind["a prefix"].first)
    like = [twin for twin in twins if "LIKE" in twin.differ_by]
    assert like and all(_like(twin.first, twin.second) for twin in like)
    glob = next(twin for twin in twins if "glob" in twin.differ_by)
    assert re.fullmatch(glob.first.replace("*", ".*"), glob.second)


def test_no_two_twins_share_a_value_and_calls_never_repeat() -> None:
    made = [value for twin in values.twins(str) + values.twins(str) for value in (twin.first, twin.second)]
    assert len(made) == len(set(made))
    assert len({values.workflow_name() for _ in range(50)}) == 50
    assert len({values.nasty_token(3) for _ in range(50)}) == 50


def test_caller_strings_are_legal_names() -> None:
    names = values.tokens() + [values.workflow_name(i) for i in range(20)] + [values.stream_name()]
    for name in names:
        assert name and "\x00" not in name and "\n" not in name, name
    assert max(len(token) for token in values.tokens()) == values.TOKEN_LENGTH_PROBE
    pieces = "".join(values.tokens())
    for needed in ("%", "_", "*", "?", "'", '"', "/", "..", "\U0001fa9d", values.CAFE_NFD):
        assert needed in pieces, needed


def _bytes_at(value: Any, depth: int = 0) -> set[tuple[bytes, bool]]:
    if isinstance(value, bytes):
        return {(value, depth > 0)}
    inner = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return {found for item in inner for found in _bytes_at(item, depth + 1)}


def test_nested_payload_holds_every_byte_shape_at_depth() -> None:
    found = _bytes_at(values.nested_payload(large=True))
    for shape in [*values.BYTE_SHAPES.values(), values.LARGE_BYTES]:
        assert (shape, True) in found
    assert len(values.LARGE_BYTES) > 1024 * 1024
    assert bytes(range(256)) == values.ALL_BYTE_VALUES
    values.VALID_UTF8.decode("utf-8")


@settings(max_examples=30, deadline=None)
@given(values.payloads())
def test_payloads_are_json_and_bytes(payload: Any) -> None:
    def plain(value: Any) -> bool:
        if isinstance(value, dict):
            return all(isinstance(key, str) and plain(item) for key, item in value.items())
        if isinstance(value, list):
            return all(plain(item) for item in value)
        return value is None or isinstance(value, bool | int | str | bytes)

    assert plain(payload)


def test_stream_names_avoid_what_a_world_may_refuse_and_turns_restart() -> None:
    names = [values.stream_name() for _ in range(2 * len(values.NASTY_PIECES))]
    assert not any(unsafe in name for name in names for unsafe in "./\\\x00")
    values.restart_rotation()
    first = [values.workflow_name().split(" ")[1:-1] for _ in range(5)]
    values.restart_rotation()
    assert [values.workflow_name().split(" ")[1:-1] for _ in range(5)] == first
