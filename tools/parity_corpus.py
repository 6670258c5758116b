"""What the parity-corpus generators share: the case list, the date table and the command line.

``tools/make_parity_corpus.py`` (the 4.x line, judged by ``@workflow/world`` 4.5.0) and
``tools/make_parity_corpus_v7.py`` (the 5.x line, judged by 5.0.0-beta.37) each build a
``Corpus`` and hand it to ``run_generator``, which writes it or, with ``--check``, says whether
the committed file is stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from worldspec.wire import to_tagged  # noqa: E402

__all__ = ["ACCEPT", "AT", "DATES", "LATER", "REJECT", "REPO", "Corpus", "Row", "run_generator", "without"]

AT = datetime(2024, 1, 2, 3, 4, 5, 123000, tzinfo=UTC)
LATER = datetime(2024, 1, 2, 4, 0, 0, tzinfo=UTC)

ACCEPT, REJECT = True, False
Row = tuple[str, Any, bool, str]
"""A case of a table: (name, data, whether upstream accepts it, what it shows)."""


class Corpus:
    """An ordered list of cases with unique ids."""

    def __init__(self) -> None:
        self.cases: list[dict[str, Any]] = []

    def add(self, case_id: str, schema: str, data: Any, *, accept: bool, about: str) -> None:
        if any(case["id"] == case_id for case in self.cases):
            raise ValueError(f"repeated case id {case_id}")
        expect = "accept" if accept else "reject"
        self.cases.append(
            {"id": case_id, "schema": schema, "expect": expect, "about": about, "data": to_tagged(data)}
        )

    def table(self, prefix: str, schema: str | None, rows: list[Row]) -> None:
        """Add ``rows`` as ``<prefix>.<name>``; a ``None`` schema means the event schema that
        fits the data (stored when it has a ``runId``, else a request)."""
        for name, data, accept, about in rows:
            fitting = schema or ("EventSchema" if "runId" in data else "CreateEventSchema")
            self.add(f"{prefix}.{name}", fitting, data, accept=accept, about=about)


def without(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    """``data`` minus ``keys``."""
    return {key: value for key, value in data.items() if key not in keys}


# fmt: off
DATES: list[Row] = [
    ("iso-ms-z", "2024-01-02T03:04:05.123Z", ACCEPT, "ISO 8601 with milliseconds and Z"),
    ("iso-z", "2024-01-02T03:04:05Z", ACCEPT, "ISO 8601 in whole seconds"),
    ("iso-offset", "2024-01-02T03:04:05+01:00", ACCEPT, "ISO 8601 with an offset"),
    ("iso-offset-basic", "2024-01-02T03:04:05.123+0100", ACCEPT, "an offset without a colon"),
    ("iso-minutes", "2024-01-02T03:04Z", ACCEPT, "time without seconds"),
    ("iso-no-offset", "2024-01-02T03:04:05", ACCEPT, "no offset (JS: local time; worldspec: UTC)"),
    ("iso-space", "2024-01-02 03:04:05", ACCEPT, "a space for the T"),
    ("iso-nanoseconds", "2024-01-02T03:04:05.123456789Z", ACCEPT, "nine fraction digits"),
    ("iso-lowercase", "2024-01-02t03:04:05z", ACCEPT, "lowercase t and z (RFC 3339 allows them)"),
    ("iso-hour-24", "2024-01-02T24:00:00Z", ACCEPT, "24:00, the end of the day"),
    ("iso-expanded-year", "+002024-01-02T03:04:05Z", ACCEPT, "a six-digit year"),
    ("date-only", "2024-01-02", ACCEPT, "a date without time (UTC midnight)"),
    ("year-month", "2024-01", ACCEPT, "year and month only"),
    ("year", "2024", ACCEPT, "the year only"),
    ("epoch-ms", 1704164645123, ACCEPT, "epoch milliseconds"),
    ("epoch-zero", 0, ACCEPT, "epoch 0"),
    ("epoch-negative", -1, ACCEPT, "before 1970"),
    ("epoch-fraction", 1704164645123.5, ACCEPT, "fractional milliseconds"),
    ("date-object", AT, ACCEPT, "a Date"),
    ("empty-string", "", REJECT, "an empty string"),
    ("garbage", "not a date", REJECT, "text"),
    ("numeric-string", "1704164645123", REJECT, "epoch ms as a string"),
    ("iso-basic", "20240102", REJECT, "ISO basic format (Python's fromisoformat reads it)"),
    ("iso-week", "2024-W01-2", REJECT, "an ISO week date (Python's fromisoformat reads it)"),
    ("iso-hour-only", "2024-01-02T03Z", REJECT, "hour without minutes (Python's fromisoformat reads it)"),
    ("iso-comma-fraction", "2024-01-02T03:04:05,123Z", REJECT, "a decimal comma"),
    ("month-13", "2024-13-01", REJECT, "month 13"),
    ("hour-25", "2024-01-02T25:00Z", REJECT, "hour 25"),
    ("object", {}, REJECT, "an object"),
    ("epoch-beyond-js", 8.64e15 + 1, REJECT, "past JavaScript's last date"),
    ("null", None, ACCEPT, "null: new Date(null) is epoch 0"),
    ("true", True, ACCEPT, "true: new Date(true) is epoch + 1 ms"),
    ("false", False, ACCEPT, "false: new Date(false) is epoch 0"),
    ("human", "Jan 2 2024", ACCEPT, "V8's legacy date parser"),
    ("slashes", "2024/01/02", ACCEPT, "V8's legacy date parser"),
    ("rfc-2822", "Tue, 02 Jan 2024 03:04:05 GMT", ACCEPT, "an HTTP date"),
    ("unpadded", "2024-1-2", ACCEPT, "unpadded month and day"),
    ("day-overflow", "2024-02-30", ACCEPT, "V8 rolls 30 February over to 1 March"),
    ("year-zero", "0000-01-01T00:00:00Z", ACCEPT, "year 0, before Python's year 1"),
    ("epoch-js-max", 8.64e15, ACCEPT, "JavaScript's last date, after Python's year 9999"),
    ("expanded-year-10000", "+010000-01-01T00:00:00Z", ACCEPT, "year 10000, after Python's year 9999"),
]
"""What ``z.coerce.date()`` (``new Date(value)``) makes of each value; both lines use it."""
# fmt: on


def corpus_text(document: dict[str, Any]) -> str:
    """A corpus document exactly as committed."""
    return json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def run_generator(document: dict[str, Any], path: Path, generator: str, argv: list[str] | None) -> int:
    """Write ``document`` to ``path``, or with ``--check`` exit 1 when ``path`` is stale."""
    parser = argparse.ArgumentParser(description=f"Write {path.relative_to(REPO)}.")
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed corpus is stale")
    args = parser.parse_args(argv)
    text = corpus_text(document)
    if args.check:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            print(f"{path.relative_to(REPO)} is stale: run python {generator}")
            return 1
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {len(document['cases'])} cases to {path.relative_to(REPO)}")
    return 0
