"""Field types shared by every wire model: strict scalars, JS-style dates, opaque payloads.

The wire is JavaScript's: numbers are finite doubles (never booleans or numeric strings),
strings are strings, dates are coerced the way upstream's ``z.coerce.date()`` is used in
practice (a ``datetime``, an ISO 8601 string, or epoch milliseconds), and payloads
(``SerializedData``) are opaque values that must never be re-encoded.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, StrictBool, StrictStr
from pydantic.experimental.missing_sentinel import MISSING

__all__ = [
    "MISSING",
    "JsBool",
    "JsDate",
    "JsNumber",
    "JsRecord",
    "JsStr",
    "SerializedData",
    "coerce_js_date",
]

JsStr = StrictStr
JsBool = StrictBool


def _finite_number(value: object) -> int | float:
    """Accept a finite JS number: an int or float, never a bool, NaN or infinity."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected number, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    return value


JsNumber = Annotated[int | float, BeforeValidator(_finite_number)]


def coerce_js_date(value: object) -> datetime:
    """Return ``value`` as a timezone-aware UTC datetime.

    Accepted: an aware ``datetime`` (converted to UTC), a naive ``datetime`` (taken as UTC),
    an ISO 8601 string (``Z``/offset or none, which is taken as UTC; a bare date is midnight
    UTC), or a finite number of epoch milliseconds (truncated to whole milliseconds, as
    JavaScript's ``new Date(n)`` does). Anything else raises ``ValueError``.
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"expected date, got unparseable string {value!r}") from None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError(f"expected date, got {value!r}")
        whole_ms = int(value)
        return datetime.fromtimestamp(whole_ms // 1000, UTC).replace(microsecond=(whole_ms % 1000) * 1000)
    raise ValueError(f"expected date, got {type(value).__name__}")


JsDate = Annotated[datetime, BeforeValidator(coerce_js_date)]


def _opaque(value: Any) -> Any:
    """Keep a payload exactly as given; only bytes-like views become ``bytes``."""
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return value


SerializedData = Annotated[Any, AfterValidator(_opaque)]
"""A payload: ``bytes`` for specVersion >= 2, any JSON value for legacy (spec 1) runs.

Never parsed, re-encoded or coerced: a ``str`` stays a ``str`` even when it is valid base64,
a list of ints stays a list, bytes stay bytes.
"""

JsRecord = dict[StrictStr, Any]
"""``z.record(z.string(), z.any())``: an object whose values are anything (bytes included)."""
