"""The pictures of failing histories (race and fault tests), as SVG files beside report.md.

A record whose evidence holds a picture (``conformance.races.picture``) gets
``histories/<ID>.svg``; report.md links it and report.html draws the same SVG inline.
"""

from __future__ import annotations

from pathlib import Path

from conformance.certify.results import Certification
from conformance.reporting.records import InvariantRecord

__all__ = ["picture_file", "picture_of", "write_pictures"]


def picture_of(record: InvariantRecord) -> str:
    """The SVG of the record's failing history, or ``""``."""
    return record.evidence.picture if record.evidence is not None else ""


def picture_file(record: InvariantRecord) -> str:
    """Where the record's picture is written, relative to the report."""
    return f"histories/{record.id}.svg"


def write_pictures(certification: Certification, out: Path) -> list[Path]:
    """Write every record's picture under ``out``; the paths written."""
    written = []
    for record in certification.invariants:
        picture = picture_of(record)
        if picture:
            path = out / picture_file(record)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(picture + "\n")
            written.append(path)
    return written
