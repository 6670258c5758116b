"""The values the kit sends: caller strings and payloads in the shapes that break real backends.

A backend written against SQL, a key-value store or a file system has bugs that live in the
values it is given, not in the calls: case folding (``citext``, ``LOWER()``, a case-insensitive
file system), Unicode normalisation (NFC vs NFD), prefix matching (``LIKE 'x%'``), unescaped
metacharacters (``% _ * ?``, quotes, ``/``, ``..``), length limits. This module is the one place
the suites take such values from: fixed tables of known-nasty pieces, makers that turn them into
values unique to one call (so tests never collide, even on storage that outlives a test), pairs
of values that differ only in one of those ways (a World must keep them apart), payloads with
bytes of every shape nested in every container, and Hypothesis strategies over all of them.

What is legal where (docs/decisions.md, "Adversarial values"): hook tokens, stream names and
workflow names are caller strings compared exactly (§2.5, §10), so they get every piece but NUL
(which PostgreSQL ``text`` cannot hold, and which the runtime never puts in a name) and empty
(never sent by the runtime: a token or name is minted from an id). Step, hook and wait ids stay
``<prefix>_<ULID>`` as the runtime sends them (§2.5 lets a World refuse others). Payloads carry
anything JSON and bytes can, NUL and empty included.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from hypothesis import strategies as st

from worldspec.ulid import new_ulid

__all__ = [
    "ALL_BYTE_VALUES",
    "BYTE_SHAPES",
    "LARGE_BYTES",
    "NASTY_PIECES",
    "NUMBERS",
    "STRING_SHAPES",
    "VALID_UTF8",
    "Twin",
    "first_difference",
    "json_payload",
    "nasty_token",
    "nested_payload",
    "payloads",
    "restart_rotation",
    "same_value",
    "stream_name",
    "tokens",
    "twins",
    "workflow_name",
]

CAFE_NFC: Final = unicodedata.normalize("NFC", "Caf\u00e9")
CAFE_NFD: Final = unicodedata.normalize("NFD", CAFE_NFC)

NASTY_PIECES: Final[tuple[str, ...]] = (
    "MiXeD",
    CAFE_NFC,
    CAFE_NFD,
    "Stra\u00dfe",
    "\u0130stanbul",
    "100%_off",
    "*?[a]",
    'it\'s "quoted"',
    "back\\slash",
    "a/b/../c",
    "..",
    "\U0001fa9d\U0001f469\u200d\U0001f4bb",
    " spaced ",
    "tab\there",
)
"""Pieces of caller strings that backends mishandle: case, both normal forms of one word, letters
whose case mapping changes their length, LIKE and glob metacharacters, quotes, path separators
and traversal, emoji (astral, joined), surrounding and control whitespace."""

TOKEN_LENGTH_PROBE: Final = 512
"""A long token: past a ``varchar(255)`` column, within any index a backend can give a string.
The contract states no limit for tokens or names; 512 characters is one the runtime can reach
(tokens built from user keys)."""


def _stem() -> str:
    """A piece no other call gets: keeps values unique on storage that outlives one test."""
    return new_ulid().lower()


def nasty_token(index: int | None = None) -> str:
    """A fresh hook token carrying the nasty piece ``index`` (cycled; by default, the next in
    turn) and a unique stem."""
    piece = NASTY_PIECES[(_next_piece() if index is None else index) % len(NASTY_PIECES)]
    return f"tok {piece} {_stem()}"


def tokens() -> list[str]:
    """One fresh token for every nasty piece, and one near the length probe."""
    stem = _stem()
    made = [f"tok {piece} {stem}" for piece in NASTY_PIECES]
    return [*made, f"tok {stem} ".ljust(TOKEN_LENGTH_PROBE, "x")]


def workflow_name(index: int | None = None) -> str:
    """A workflow name no other call uses, in the runtime's ``workflow//<file>//<fn>`` shape,
    with a nasty piece in the function part (``index`` picks it; by default, a fresh one per
    call in turn)."""
    piece = NASTY_PIECES[_next_piece() if index is None else index % len(NASTY_PIECES)]
    return f"workflow//./worldspec//wf {piece} {_stem()}"


STREAM_NAME_PIECES: Final = tuple(
    piece for piece in NASTY_PIECES if not any(unsafe in piece for unsafe in "./\\")
)
"""The pieces a stream name may carry: a World may refuse ``.``, ``/`` and ``\\`` in a name it
stores by (as §2.5 lets it for ids; the runtime never sends them in a stream name)."""


def stream_name() -> str:
    """A fresh stream name, with a nasty piece in turn."""
    return f"strm_{STREAM_NAME_PIECES[_next_piece() % len(STREAM_NAME_PIECES)]} {_stem()}"


_turn = [0]


def _next_piece() -> int:
    _turn[0] += 1
    return _turn[0] % len(NASTY_PIECES)


def restart_rotation() -> None:
    """Start the turn of pieces over, so each test draws the same pieces whatever ran before it
    (the plugin calls this as it opens a test's World)."""
    _turn[0] = 0


@dataclass(frozen=True)
class Twin:
    """Two caller strings that a World must keep apart, and how they differ."""

    first: str
    second: str
    differ_by: str


def twins(make: Callable[[str], str], *, paths: bool = True) -> list[Twin]:
    """Pairs of fresh values, ``make(core)`` for two cores that differ only in case, normal
    form, a suffix, a trailing space, a prefix, a LIKE/glob metacharacter standing where a
    plain letter is, a key separator and a status after it (``runs:wf:<name>:pending`` is both
    the key of a name holding ``:pending`` and of a name's pending runs), and, with ``paths``, a
    ``/./`` that a file path collapses (``False`` for stream names, which a World may refuse
    with ``.`` or ``/`` in them). ``make`` places the core in the value (a token, a stream name,
    a workflow name). Each pair has a stem of its own, so no two pairs share a value."""
    shapes: tuple[tuple[str, str, str], ...] = (
        ("Key{}", "key{}", "case"),
        (CAFE_NFC + "{}", CAFE_NFD + "{}", "Unicode normal form (NFC, NFD)"),
        ("Stra\u00dfe{}", "STRASSE{}", "full case folding (\u00df, SS)"),
        ("k{}", "k{}-suffix", "a suffix"),
        ("k{}", "k{} ", "a trailing space (equal under a PAD SPACE collation, as MySQL's utf8mb4_bin)"),
        ("k{}", "prefix-k{}", "a prefix"),
        ("k{}_x", "k{}ax", "`_` (a LIKE wildcard) for a letter"),
        ("k{}%", "k{}%x", "`%` (a LIKE wildcard) against a longer value"),
        ("k{}*", "k{}zz", "`*` (a glob wildcard) against what it would match"),
        ("k{}", "k{}:pending", "`:` (a key separator) and a status after it"),
    )
    if paths:
        shapes += (("k{}/./x", "k{}/x", "`/./`, which a file path collapses"),)
    pairs = []
    for first, second, why in shapes:
        stem = _stem()
        pairs.append((first.format(stem), second.format(stem), why))
    return [Twin(make(first), make(second), why) for first, second, why in pairs]


VALID_UTF8: Final = ("caf\u00e9 \U0001fa9d " + CAFE_NFD).encode()
ALL_BYTE_VALUES: Final = bytes(range(256))
_LARGE_PERIOD: Final = bytes(index * 7 % 251 for index in range(251))
LARGE_BYTES: Final = (_LARGE_PERIOD * (1024 * 1024 // 251 + 1))[: 1024 * 1024 + 3]
"""Just over 1 MiB, not a repeated byte (so compression or a truncated copy shows): byte ``i``
is ``i * 7 % 251``, built from its 251-byte period (a generator over every byte cost each kit
process a tenth of a second at import)."""

BYTE_SHAPES: Final[dict[str, bytes]] = {
    "empty": b"",
    "all 256 byte values": ALL_BYTE_VALUES,
    "valid UTF-8": VALID_UTF8,
    "NUL inside": b"a\x00b",
}
"""Bytes of every shape but the large one (which only some payloads carry: it is slow on the
bridge); ``nested_payload(large=True)`` adds it."""

_MIXED_WIDTHS: Final = "abcdef\u00e9\U0001fa9d"
"""Eight characters of one, two and four UTF-8 bytes (nine UTF-16 units): a string of them is
longer than its character count in bytes and in UTF-16 units, so a limit counted in any of the
three, and a cut inside a character, show."""

STRING_SHAPES: Final[dict[str, str]] = {
    "NUL inside": "a\x00b",
    "NUL at the end": "ends with NUL\x00",
    "past 255 characters": _MIXED_WIDTHS * 40,
    "past 64 KiB": _MIXED_WIDTHS * 8300,
}
"""Strings backends cut or clean: a NUL (which PostgreSQL ``text`` and ``jsonb`` refuse, and a C
string ends at), one longer than a ``varchar(255)``, one longer than 65,535 characters, UTF-16
units and UTF-8 bytes (a MySQL ``TEXT``, a 64 KiB buffer)."""

NUMBERS: Final[tuple[int | float, ...]] = (
    0.1,
    -2.5,
    1 / 3,
    123456789.98765433,
    5e-324,
    2.2250738585072014e-308,
    1.7976931348623157e308,
    1e21,
    -(2**31) - 1,
    2**32 + 1,
    2**53 - 1,
    -(2**53 - 1),
    1.2345678901234567e19,
)
"""JS numbers a store changes: fractions a ``float32``, a ``decimal(p, s)`` or rounding to a few
places alters, the smallest subnormal and normal and the largest double, ``1e21`` (where
JavaScript starts writing exponents), integers just past 32 bits, the largest safe integers,
and an integral double past them whose shortest digits are not its exact value (JavaScript
writes ``12345678901234567000``, which Python reads as that integer, 168 below the double).
Never ``-0``, ``NaN`` or an infinity, which JSON cannot carry (docs/decisions.md)."""


def _deep(levels: int, bottom: dict[str, Any]) -> Any:
    """Dicts and lists in turn, ``levels`` deep, with ``bottom`` at the bottom."""
    value: Any = bottom
    for level in range(levels):
        value = [value] if level % 2 else {"level": value}
    return value


DEPTH_PROBE: Final = 24
"""How deep the nested payload goes: past any walker that stops after a few levels, well inside
what every JSON and document store takes (MongoDB's limit is 100)."""


def _empty_and_falsy() -> dict[str, Any]:
    return {"list": [], "dict": {}, "string": "", "zero": 0, "false": False, "null": None}


def _document_keys() -> dict[str, Any]:
    """Object keys a document store forbids, reads as paths or operators, or rewrites: MongoDB
    takes a ``.`` in a key for a path and a leading ``$`` for an operator, and a World that
    escapes them must turn them back on every read."""
    return {"a.b": 1, "$set": "an operator", "$": [], "..": {"$in": [0]}, "trailing.": None}


def nested_payload(*, large: bool = False) -> dict[str, Any]:
    """A JSON-and-bytes value with every byte shape at the top, inside a list, inside nested
    dicts, and next to strings with nasty pieces, NULs and past common column sizes, numbers a
    store alters, empty containers and falsy scalars, keys a document store mishandles, and
    one branch ``DEPTH_PROBE`` levels deep."""
    shapes: dict[str, Any] = dict(BYTE_SHAPES)
    if large:
        shapes["over 1 MiB"] = LARGE_BYTES
    return {
        **shapes,
        "list": list(shapes.values()),
        "deep": {"deeper": {"bytes": ALL_BYTE_VALUES, "strings": list(NASTY_PIECES)}},
        "strings": dict(STRING_SHAPES),
        "numbers": list(NUMBERS),
        "nesting": _deep(DEPTH_PROBE, {"bytes": ALL_BYTE_VALUES, "text": "a\x00b", "number": 0.1}),
        "empty": _empty_and_falsy(),
        "keys": _document_keys(),
    }


def json_payload() -> dict[str, Any]:
    """``nested_payload`` without bytes, for what must be plain JSON (a legacy run's payloads):
    nasty and long strings, NULs, numbers a store alters, empty and falsy values, keys a
    document store mishandles, and a branch ``DEPTH_PROBE`` levels deep."""
    return {
        "strings": dict(STRING_SHAPES),
        "pieces": list(NASTY_PIECES),
        "numbers": list(NUMBERS),
        "nesting": _deep(DEPTH_PROBE, {"text": "a\x00b", "number": 0.1, "flag": True}),
        "empty": _empty_and_falsy(),
        "keys": _document_keys(),
    }


_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
"""Strings of any characters but lone surrogates (which UTF-8 cannot hold), NUL included."""
_NUMBERS = st.integers(-(2**53) + 1, 2**53 - 1) | st.floats(allow_nan=False, allow_infinity=False).filter(
    lambda number: number != 0 or math.copysign(1, number) > 0
)
"""JS numbers JSON carries: safe integers and finite doubles, never ``-0``."""


def payloads() -> st.SearchStrategy[Any]:
    """Hypothesis: JSON-and-bytes values, bytes of every shape at any depth."""
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        _NUMBERS,
        _TEXT,
        st.binary(max_size=64),
        st.sampled_from(list(BYTE_SHAPES.values())),
        st.sampled_from(NUMBERS),
    )
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
        max_leaves=12,
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_double(number: float) -> float:
    """``number`` as JavaScript holds it: the nearest double. A double past 2**53 that JSON
    writes as an integer's digits (``37054248621745990``) comes back to Python as an ``int``
    that is not the double's exact value, yet JavaScript reads those digits as that double."""
    try:
        return float(number)
    except OverflowError:
        return math.copysign(math.inf, number)


def first_difference(got: Any, sent: Any, path: str = "") -> str | None:
    """Where ``got`` first differs from ``sent`` as JavaScript tells values apart, in words
    (``None`` when it does not): bytes are bytes and strings strings, a number is any ``int`` or
    ``float`` that is the same double (JavaScript has one number type, so ``2`` and ``2.0`` are
    one value, ``37054248621745990`` and ``3.705424862174599e16`` too, and so are ``0`` and
    ``-0``, which JSON cannot tell apart), never a bool; objects have the
    same keys (in any order: JavaScript's deep equality ignores it) and lists the same length."""
    where = path or "the value"
    if _is_number(sent) and _is_number(got):
        return None if _as_double(got) == _as_double(sent) else f"{where} is the number {got!r}, not {sent!r}"
    if type(got) is not type(sent):
        return f"{where} is {_kind(got)}, not {_kind(sent)}"
    if isinstance(sent, dict):
        if set(got) != set(sent):
            lost, extra = sorted(set(sent) - set(got), key=repr), sorted(set(got) - set(sent), key=repr)
            return f"{where} lost the keys {lost} and gained {extra}"
        return next(
            (found for key in sent if (found := first_difference(got[key], sent[key], f"{path}[{key!r}]"))),
            None,
        )
    if isinstance(sent, list):
        if len(got) != len(sent):
            return f"{where} has {len(got)} items, not {len(sent)}"
        return next(
            (
                found
                for index, (item, expected) in enumerate(zip(got, sent, strict=True))
                if (found := first_difference(item, expected, f"{path}[{index}]"))
            ),
            None,
        )
    if got == sent:
        return None
    if isinstance(sent, str):
        return f"{where} is another string: {_string_change(got, sent)}"
    return f"{where} is {_kind(got)} {got!r}, not {sent!r}"


def same_value(got: Any, sent: Any) -> bool:
    """Whether ``got`` is ``sent``, as JavaScript tells values apart (see ``first_difference``)."""
    return first_difference(got, sent) is None


def _kind(value: Any) -> str:
    return "a number" if _is_number(value) else f"a {type(value).__name__}"


def _string_change(got: str, sent: str) -> str:
    """How ``got`` differs from ``sent``, briefly: lengths and the first differing character."""
    pairs = enumerate(zip(got, sent, strict=False))
    at = next((index for index, (mine, theirs) in pairs if mine != theirs), min(len(got), len(sent)))
    return (
        f"{len(got)} characters ({len(got.encode('utf-8', 'surrogatepass'))} UTF-8 bytes) instead of "
        f"{len(sent)} ({len(sent.encode('utf-8', 'surrogatepass'))}), first differing at index {at}: "
        f"{got[at : at + 12]!r} instead of {sent[at : at + 12]!r}"
    )
