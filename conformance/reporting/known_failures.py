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
from dataclasses import dataclass
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


def load_known_failures(path: Path) -> dict[str, KnownFailure]:
    """The entries of ``path`` by invariant ID."""
    try:
        document = tomllib.loads(path.read_text())
    except OSError as error:
        raise KnownFailuresError(f"cannot read --world-xfail file {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise KnownFailuresError(f"--world-xfail file {path} is not valid TOML: {error}") from None
    entries: dict[str, KnownFailure] = {}
    for number, entry in enumerate(document.get("known_failure", []), start=1):
        missing = [
            key for key in ("id", "reason", "link") if not isinstance(entry.get(key), str) or not entry[key]
        ]
        if missing:
            raise KnownFailuresError(f"{path}: [[known_failure]] #{number} lacks {', '.join(missing)}")
        if entry["id"] not in INVARIANTS:
            raise KnownFailuresError(
                f"{path}: [[known_failure]] #{number} names {entry['id']!r}, which is not in the catalogue"
            )
        sometimes = entry.get("sometimes")
        if sometimes is not None and (not isinstance(sometimes, str) or not sometimes):
            raise KnownFailuresError(
                f"{path}: [[known_failure]] #{number} ({entry['id']}): sometimes must say how often it "
                'failed, for example sometimes = "failed in 4 of 13 runs"'
            )
        entries[entry["id"]] = KnownFailure(entry["id"], entry["reason"], entry["link"], sometimes)
    return entries
