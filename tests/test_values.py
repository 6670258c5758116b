"""The kit's adversarial values are what they claim: twins differ in exactly one way, names are
legal where the contract says, payloads carry every byte shape at depth."""

from __future__ import annotations

import json
import math
import re
import struct
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
        if isinstance(value, float):
            return (
                math.isfinite(value) and math.copysign(1, value) > 0 if value == 0 else math.isfinite(value)
            )
        if isinstance(value, int) and not isinstance(value, bool):
            return abs(value) <= 2**53 - 1
        if isinstance(value, str):
            return not any(0xD800 <= ord(char) <= 0xDFFF for char in value)
        return value is None or isinstance(value, bool | bytes)

    assert plain(payload)


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def test_nested_payload_holds_the_values_stores_change() -> None:
    leaves = _leaves(values.nested_payload())
    strings = [leaf for leaf in leaves if isinstance(leaf, str)]
    assert any("\x00" in text for text in strings)
    assert any(text.endswith("\x00") for text in strings)
    assert any(255 < len(text) < 1000 for text in strings)
    longest = max(strings, key=len)
    assert min(len(longest), len(longest.encode("utf-16-le")) // 2, len(longest.encode())) > 65_535
    numbers = [leaf for leaf in leaves if isinstance(leaf, int | float) and not isinstance(leaf, bool)]
    assert any(struct.unpack("<f", struct.pack("<f", number))[0] != number for number in numbers)
    assert any(isinstance(n, int) and not -(2**31) <= n < 2**31 for n in numbers)
    assert all(abs(number) <= 2**53 - 1 for number in numbers if isinstance(number, int))
    assert all(math.isfinite(number) and str(number) != "-0.0" for number in numbers)
    assert all(json.loads(json.dumps(number)) == number for number in numbers)

    def depth(value: Any) -> int:
        inner = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        return 1 + max((depth(item) for item in inner), default=0)

    assert depth(values.nested_payload()) > values.DEPTH_PROBE


def test_values_compare_as_javascript_sees_them() -> None:
    assert values.same_value({"n": 2, "z": 0.0, "k": [1.5]}, {"n": 2.0, "z": 0, "k": [1.5]})
    assert values.same_value({"b": 1, "a": 2}, {"a": 2, "b": 1})
    assert not values.same_value(True, 1)
    assert not values.same_value(0, False)
    assert not values.same_value("AAE=", b"\x00\x01")
    assert not values.same_value([1, 2], b"\x01\x02")
    assert not values.same_value({"a": None}, {})
    difference = values.first_difference({"s": ["a", "ab"]}, {"s": ["a", "a\x00b"]})
    assert difference is not None and difference.startswith("['s'][1] is another string")
    cut = values.first_difference({"n": 0.10000000149011612}, {"n": 0.1})
    assert cut == "['n'] is the number 0.10000000149011612, not 0.1"
    # A double past 2**53 comes back from JSON.stringify as digits Python reads as another int.
    assert values.same_value(json.loads("37054248621745990"), 3.705424862174599e16)
    assert not values.same_value(37054248621745992 + 16, 3.705424862174599e16)
    assert not values.same_value(2**53 + 2, 2**53)


def test_stream_names_avoid_what_a_world_may_refuse_and_turns_restart() -> None:
    names = [values.stream_name() for _ in range(2 * len(values.NASTY_PIECES))]
    assert not any(unsafe in name for name in names for unsafe in "./\\\x00")
    values.restart_rotation()
    first = [values.workflow_name().split(" ")[1:-1] for _ in range(5)]
    values.restart_rotation()
    assert [values.workflow_name().split(" ")[1:-1] for _ in range(5)] == first


def test_json_payload_is_the_nested_payload_without_bytes() -> None:
    leaves = _leaves(values.json_payload())
    assert not any(isinstance(leaf, bytes) for leaf in leaves)
    nested = {repr(leaf) for leaf in _leaves(values.nested_payload()) if not isinstance(leaf, bytes)}
    assert {repr(leaf) for leaf in leaves} - {"True"} <= nested
    assert values.json_payload() is not values.json_payload()
    assert values.json_payload()["empty"]["list"] is not values.json_payload()["empty"]["list"]
