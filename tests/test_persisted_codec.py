"""reference_worlds.persisted_codec refuses what is not one well-formed item it knows.

Decoding every upstream vector is LEG-007, judged by the kit on MemoryWorld.
"""

from __future__ import annotations

import pytest

from reference_worlds.persisted_codec import decode_persisted
from worldspec.wire_types import MISSING


@pytest.mark.parametrize(
    ("encoded", "why"),
    [
        (bytes([0x01, 0x02]), "bytes follow"),
        (bytes([0x9F, 0x01, 0xFF]), "indefinite"),
        (bytes([0xC2, 0x41, 0x00]), "unsupported CBOR tag 2"),
        (bytes([0x62, 0x61]), "ends inside"),
        (bytes([0xA1, 0x01, 0x02]), "not a string"),
    ],
)
def test_malformed_cbor_is_refused(encoded: bytes, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        decode_persisted("cbor-x-v1", encoded)


def test_unknown_encoding_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown persisted encoding"):
        decode_persisted("msgpack-v1", b"\x80")


def test_undefined_in_an_array_stays_a_hole() -> None:
    assert decode_persisted("cbor-x-v1", bytes([0x82, 0xF7, 0xF6])) == [MISSING, None]


def test_only_exact_uint8array_envelopes_become_bytes() -> None:
    text = b'[{"__type": "Uint8Array", "data": "AP8="}, {"__type": "Uint8Array", "data": "AA==", "x": 1}]'
    assert decode_persisted("json-text-v1", text) == [
        b"\x00\xff",
        {"__type": "Uint8Array", "data": "AA==", "x": 1},
    ]
