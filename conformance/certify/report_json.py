"""``report.json``: the certification as data, for tools and for publishing next to the badge.

Shape (camelCase keys, stable):

- ``kitVersion``, ``specVersion`` (the contract judged against: the highest version of ``line``),
  ``line`` (``4.x`` or ``5.x``; null when refused), ``refused`` (why, or null), ``generatedAt``
- ``world``: ``factory``, ``options`` (secrets masked), ``package`` (``kind``, ``name``,
  ``version``) or null, ``specVersion`` the World reports, ``capabilities`` in force
- ``environment``: interpreter, platform and tool versions
- ``run``: ``command``, ``profile``, ``seed``, ``knownFailures``, ``kitExitCode``, ``startedAt``,
  ``seconds``
- ``certification``: ``requestedLevel``, ``reachedLevel`` (null if none), ``certified``, and
  ``levels``: per level ``reached``, ``summary`` and ``blockers`` (``id``, ``why``)
- ``summary``: outcome counts; ``families``: per family ``prefix``, ``title``, ``counts``,
  ``notChecked``
- ``invariants``: per checked invariant, in catalogue order, the kit's record
  (``conformance.reporting.records.InvariantRecord``): ``id``, ``statement``, ``family``,
  ``level``, ``outcome`` (pass, warn, fail, unjudged, expected-fail, skip), ``reason``,
  ``skipped_for``, ``judged_by``, ``timed_out``, ``duration`` (seconds), ``rerun``, ``details``,
  ``evidence``
- ``invariants`` records also carry ``lines``: the lines each invariant belongs to
- ``notChecked``: IDs of the judged line's invariants that the kit has no test for yet
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance.certify.levels import LEVELS
from conformance.certify.results import Certification

__all__ = ["report_document", "write_report_json"]


def report_document(certification: Certification) -> dict[str, Any]:
    """The report as a JSON-ready dict."""
    world = certification.world
    run = certification.run
    return {
        "kitVersion": certification.kit_version,
        "specVersion": certification.spec_version,
        "line": certification.line,
        "refused": certification.refused,
        "generatedAt": datetime.now(UTC).isoformat(timespec="seconds"),
        "world": {
            "factory": world.factory,
            "options": world.options,
            "package": asdict(world.package) if world.package else None,
            "specVersion": certification.world_spec_version,
            "capabilities": certification.capabilities,
        },
        "environment": certification.environment,
        "run": {
            "command": run.command,
            "profile": run.profile,
            "seed": run.seed,
            "knownFailures": run.known_failures,
            "kitExitCode": run.kit_exit_code,
            "startedAt": run.started_at.isoformat(timespec="seconds"),
            "seconds": run.seconds,
        },
        "certification": {
            "requestedLevel": certification.requested_level,
            "reachedLevel": certification.reached_level,
            "certified": certification.certified,
            "levels": {
                name: {
                    "reached": verdict.reached,
                    "summary": LEVELS[name].summary,
                    "blockers": [asdict(blocker) for blocker in verdict.blockers],
                }
                for name, verdict in certification.verdicts.items()
            },
        },
        "summary": certification.totals(),
        "families": [
            {
                "prefix": family.prefix,
                "title": family.title,
                "counts": family.counts,
                "notChecked": family.not_checked,
            }
            for family in certification.families()
        ],
        "invariants": [record.to_json() for record in certification.invariants],
        "notChecked": certification.not_checked,
    }


def write_report_json(certification: Certification, path: Path) -> None:
    """Write ``report.json`` to ``path``."""
    path.write_text(json.dumps(report_document(certification), indent=2, ensure_ascii=False) + "\n")
