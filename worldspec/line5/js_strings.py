"""String lengths as JavaScript measures them.

Upstream's limits count a string's ``length`` (UTF-16 code units: a character outside the Basic
Multilingual Plane counts twice) or its UTF-8 bytes (``TextEncoder``). Python's ``len`` counts
code points, so limits written against upstream use these instead.
"""

from __future__ import annotations

__all__ = ["js_length", "utf8_length"]


def js_length(text: str) -> int:
    """``text.length`` in JavaScript: the number of UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def utf8_length(text: str) -> int:
    """The number of bytes ``new TextEncoder().encode(text)`` yields (lone surrogates count 3,
    as the encoder replaces each with U+FFFD)."""
    return len(text.encode("utf-8", "replace")) + 2 * sum(1 for char in text if "\ud800" <= char <= "\udfff")
