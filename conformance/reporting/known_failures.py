"""A World author's known-failures file (``--world-xfail FILE``), in TOML::

    [[known_failure]]
    id = "RS-006"
    reason = "preload stops at 100 events but says hasMore: false"
    link = "https://github.com/acme/world/issues/12"

Listed invariants run as expected failures. An entry whose test now passes fails the run
(strict xfail), and so does an entry no test of the kit judges on the World's line: the file
cannot go stale. An entry whose test the run did not select (``-k``, ``-m``, a path) is named
as not judged and fails nothing.

A race a World loses only in some runs carries the rate it was seen at::

    sometimes = "failed in 4 of 13 runs"

Such an entry runs as a lenient expected failure: a failure is expected, a pass is a pass (the
record says the finding did not show this run), so the file neither goes stale nor makes a run
flaky.
"""

from __future__ import annotations

import tomllib
from dataclasses import MISSING, dataclass, fields
from pathlib import Path

from conformance.catalogue.entries import INVARIANTS

__all__ = ["KnownFailure", "KnownFailuresError", "load_known_failures"]


class KnownFailuresError(Exception):
    """The known-failures file is missing or malformed; the message says where."""


@dataclass(frozen=True)
class KnownFailure:
    """One entry: the invariant, why it fails, and where the World's author tracks it."""

    id: str
    reason: str
    link: str
    sometimes: str | None = None
    """How often the failure was seen, for one that shows in some runs only; None when it
    shows in every run."""


_ENTRY_KEYS = tuple(entry_field.name for entry_field in fields(KnownFailure))
"""The fields an entry may have: those of ``KnownFailure``."""
_REQUIRED_KEYS = tuple(
    entry_field.name for entry_field in fields(KnownFailure) if entry_field.default is MISSING
)
"""The fields an entry must have: those ``KnownFailure`` gives no default."""


def load_known_failures(path: Path) -> dict[str, KnownFailure]:
    """The entries of ``path`` by invariant ID. Raises ``KnownFailuresError`` naming the file,
    the entry and the mistake when the file cannot be read, is not TOML, holds anything but
    ``[[known_failure]]`` entries, or an entry lacks a field, has an unknown one, names an
    invariant outside the catalogue or one an earlier entry named."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise KnownFailuresError(f"cannot read --world-xfail file {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise KnownFailuresError(f"--world-xfail file {path} is not UTF-8 text, as TOML must be") from None
    except tomllib.TOMLDecodeError as error:
        raise KnownFailuresError(f"--world-xfail file {path} is not valid TOML: {error}") from None
    unknown = sorted(set(document) - {"known_failure"})
    if unknown:
        raise KnownFailuresError(
            f"{path}: unknown top-level key {', '.join(unknown)}; "
            "the file holds [[known_failure]] entries only"
        )
    listed = document.get("known_failure", [])
    if not isinstance(listed, list) or not all(isinstance(entry, dict) for entry in listed):
        raise KnownFailuresError(
            f"{path}: known_failure must be an array of tables, each entry written [[known_failure]] "
            "(two brackets)"
        )
    entries: dict[str, KnownFailure] = {}
    for number, entry in enumerate(listed, start=1):
        found = _entry(path, number, entry)
        if found.id in entries:
            raise KnownFailuresError(
                f"{path}: [[known_failure]] #{number} lists {found.id} again; give each invariant one entry"
            )
        entries[found.id] = found
    return entries


def _entry(path: Path, number: int, entry: dict[str, object]) -> KnownFailure:
    """Entry ``number`` of ``path``, checked (see ``load_known_failures``)."""
    where = f"{path}: [[known_failure]] #{number}"
    unknown = sorted(set(entry) - set(_ENTRY_KEYS))
    if unknown:
        raise KnownFailuresError(
            f"{where} has unknown field {', '.join(unknown)}; the fields are {', '.join(_ENTRY_KEYS)}"
        )
    missing = [key for key in _REQUIRED_KEYS if key not in entry]
    if missing:
        raise KnownFailuresError(f"{where} lacks {', '.join(missing)}")
    for key, value in entry.items():
        if not isinstance(value, str) or not value:
            example = (
                ' saying how often it failed, such as "failed in 4 of 13 runs"' if key == "sometimes" else ""
            )
            raise KnownFailuresError(f"{where}: {key} must be a non-empty string{example}, got {value!r}")
    ident, sometimes = str(entry["id"]), entry.get("sometimes")
    if ident not in INVARIANTS:
        raise KnownFailuresError(
            f"{where} names {ident!r}, which is not in the catalogue (worldspec invariants)"
        )
    return KnownFailure(
        ident, str(entry["reason"]), str(entry["link"]), None if sometimes is None else str(sometimes)
    )
