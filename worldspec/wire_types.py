"""Field types shared by every wire model: strict scalars, JS-style dates, opaque payloads.

The wire is JavaScript's: numbers are finite doubles (never booleans or numeric strings),
strings are strings, dates are read the way upstream's ``z.coerce.date()`` reads them (a
``datetime``, an ISO 8601 string in ECMAScript's format, or epoch milliseconds), and payloads
(``SerializedData``) are opaque values that must never be re-encoded.
"""

from __future__ import annotations

import math
import re
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Final

from pydantic import MISSING, AfterValidator, BeforeValidator, StrictBool, StrictStr

__all__ = [
    "MISSING",
    "JsBool",
    "JsDate",
    "JsInt",
    "JsNumber",
    "JsRecord",
    "JsStr",
    "SerializedData",
    "coerce_js_date",
    "from_epoch_milliseconds",
]

JsStr = StrictStr
"""A JS string: a ``str``, never a number or bytes coerced to one."""
JsBool = StrictBool
"""A JS boolean: ``True`` or ``False``, never ``0``/``1`` or ``"true"``."""


_MAX_SAFE_INTEGER: Final = 2**53 - 1


def _finite_number(value: object) -> int | float:
    """Accept a finite JS number: an int or float, never a bool, NaN or infinity.

    An int too large for a double is refused too: JavaScript reads it as ``Infinity``.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected number, got {type(value).__name__}")
    too_large = isinstance(value, int) and abs(value) > sys.float_info.max
    if too_large or (isinstance(value, float) and not math.isfinite(value)):
        raise ValueError(f"expected a finite number, got {value!r}")
    return value


def _safe_integer(value: object) -> int:
    """Accept what zod's ``z.number().int()`` accepts: a whole number within +-(2**53 - 1).

    ``2.0`` is the JS number 2 and reads as ``2``; ``2.5`` and ``2**60`` are refused.
    """
    number = _finite_number(value)
    if not float(number).is_integer() or abs(number) > _MAX_SAFE_INTEGER:
        raise ValueError(f"expected a safe integer, got {number!r}")
    return int(number)


JsNumber = Annotated[int | float, BeforeValidator(_finite_number)]
"""A JS number: a finite ``int`` or ``float``; never a bool, NaN, an infinity or a numeric string."""
JsInt = Annotated[int, BeforeValidator(_safe_integer)]
"""``z.number().int()``: a JS number that is a safe integer (see ``_safe_integer``)."""


_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

# ECMAScript's date-time string format (what ``new Date(text)`` reads in every engine), with the
# RFC 3339 liberties V8 also takes: a space for the ``T`` (after a full date; V8 then reads it
# with its legacy parser, which moves years below 100 into 1950-2049, so those are refused),
# lowercase ``t``/``z``, any number of fraction digits, an offset without its colon.
_ISO_DATE_TIME: Final = re.compile(
    r"(?P<year>\d{4}|[+-]\d{6})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?"
    r"(?:(?P<separator>[Tt ])(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d+))?)?"
    r"(?P<offset>[Zz]|[+-]\d{2}:?\d{2})?)?"
)


def _parse_iso(text: str) -> datetime:
    """``text`` in ECMAScript's date-time string format as an aware UTC datetime."""
    match = _ISO_DATE_TIME.fullmatch(text)
    if match is None or match["year"] == "-000000":
        raise ValueError(f"expected date, got unparseable string {text!r}")
    if match["separator"] == " " and (not match["day"] or int(match["year"]) < 100):
        raise ValueError(f"expected date, got unparseable string {text!r}")
    part = match.groupdict()
    hour, minute, second = (int(part[name] or 0) for name in ("hour", "minute", "second"))
    micros = int((part["fraction"] or "").ljust(6, "0")[:6])
    end_of_day = hour == 24 and minute == second == micros == 0
    if (hour > 23 and not end_of_day) or minute > 59 or second > 59:
        raise ValueError(f"expected date, got out-of-range time in {text!r}")
    offset = timedelta()
    if part["offset"] and part["offset"] not in "Zz":
        offset_hours, offset_minutes = int(part["offset"][1:3]), int(part["offset"][-2:])
        if offset_hours > 23 or offset_minutes > 59:
            raise ValueError(f"expected date, got out-of-range offset in {text!r}")
        sign = -1 if part["offset"][0] == "-" else 1
        offset = sign * timedelta(hours=offset_hours, minutes=offset_minutes)
    try:
        day = datetime(int(part["year"]), int(part["month"] or 1), int(part["day"] or 1), tzinfo=UTC)
        return day + timedelta(hours=hour, minutes=minute, seconds=second, microseconds=micros) - offset
    except (ValueError, OverflowError):
        raise ValueError(f"expected date, got {text!r}: not a calendar date in the years 1 to 9999") from None


def coerce_js_date(value: object) -> datetime:
    """Return ``value`` as a timezone-aware UTC datetime.

    Accepted, as upstream's ``z.coerce.date()`` (``new Date(value)``) accepts them:

    - an aware ``datetime`` (converted to UTC), a naive ``datetime`` or a ``date`` (taken as UTC);
    - a string in ECMAScript's date-time format: ``2024-01-02T03:04:05.123Z``, with an offset
      (``+01:00`` or ``+0100``), a space for the ``T`` after a full date, lowercase ``t``/``z``,
      any fraction digits, ``24:00`` for the end of a day, a six-digit ``+YYYYYY`` year, or
      reduced to ``2024-01-02``, ``2024-01``, ``2024`` (UTC midnight). Without an offset a time
      is UTC (JavaScript would take local time);
    - a finite number of epoch milliseconds, truncated to whole milliseconds as ``new Date(n)``.

    Refused although ``new Date()`` reads them (docs/decisions.md, "Schema parity"): ``null``
    and booleans, strings outside that format (``Jan 2 2024``, ``2024/01/02``, ``2024-1-2``),
    calendar overflow (``2024-02-30``), and instants outside the years 1 to 9999. Anything
    else ``new Date()`` rejects is refused too. Refusals raise ``ValueError``.
    """
    if type(value) is int:
        return from_epoch_milliseconds(value)
    if isinstance(value, datetime):
        if value.tzinfo is UTC:
            return value
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        return _parse_iso(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError(f"expected date, got {value!r}")
        return from_epoch_milliseconds(int(value))
    raise ValueError(f"expected date, got {type(value).__name__}")


def from_epoch_milliseconds(milliseconds: int) -> datetime:
    """The UTC instant ``milliseconds`` after the epoch; ``ValueError`` outside the years 1 to 9999."""
    try:
        return _EPOCH + timedelta(0, 0, 0, milliseconds)  # days, seconds, us, ms: positional is faster
    except OverflowError:
        raise ValueError(f"expected date, got {milliseconds!r}: outside the years 1 to 9999") from None


JsDate = Annotated[datetime, BeforeValidator(coerce_js_date)]
"""A JS Date, held as an aware UTC ``datetime``; loaded with ``coerce_js_date``. The contract asks
for millisecond precision."""


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
