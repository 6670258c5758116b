"""The one classifier: pytest's reports of a test's phases, and what the kit learnt while the
test ran, into the invariant's record (``conformance.reporting.records``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from conformance.catalogue.entries import Invariant
from conformance.reporting.records import InvariantRecord, Outcome, new_record

__all__ = ["classify"]

_REASON_LENGTH = 500


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


def _failure_reason(report: pytest.TestReport) -> str:
    """The kit's ``expected: …`` / ``the World: …`` lines when the failure has them, else the
    last line of the failure text."""
    text = report.longreprtext.strip()
    stated = [line for line in text.splitlines() if line.startswith(("expected: ", "the World: "))]
    if stated:
        return "; ".join(stated[:2])[:_REASON_LENGTH]
    return (text.splitlines() or [""])[-1][:_REASON_LENGTH]


def _details(report: pytest.TestReport) -> str:
    """The report's own text (a skip's reason, not pytest's ``(file, line, reason)`` tuple),
    then the kit's sections."""
    skip = report.skipped and isinstance(report.longrepr, tuple)
    parts = [_skip_reason(report) if skip else report.longreprtext.strip()]
    parts += [
        f"--- {title} ---\n{text.strip()}" for title, text in report.sections if title.startswith("worldspec")
    ]
    return "\n\n".join(part for part in parts if part)


def classify(
    invariant: Invariant, reports: Sequence[pytest.TestReport], facts: Mapping[str, Any], rerun: str
) -> InvariantRecord:
    """The record of one invariant test from its phase reports (setup, call, teardown) and
    ``facts``: ``skipped_for`` (a capability), ``deviation`` (a ``SetupDeviation``),
    ``timed_out``, ``should_violation`` (the message of a broken SHOULD rule), ``evidence``,
    ``finding`` and ``sometimes`` (of a known failure)."""
    duration = round(sum(report.duration for report in reports), 4)
    common: dict[str, Any] = {
        "duration": duration,
        "evidence": facts.get("evidence"),
        "left_behind": list(facts.get("left_behind", [])),
        "throttled": int(facts.get("throttled", 0)),
    }
    failed = next((report for report in reports if report.failed), None)
    if failed is not None:
        if hasattr(failed, "wasxfail") or "XPASS(strict)" in failed.longreprtext:
            reason = "listed as a known failure, but passed: remove it from the known-failures file"
        else:
            reason = _failure_reason(failed)
        timed_out = bool(facts.get("timed_out"))
        return new_record(
            invariant,
            "fail",
            reason=reason,
            timed_out=timed_out,
            rerun=rerun,
            details=_details(failed),
            **common,
        )
    skipped = next((report for report in reports if report.skipped), None)
    if skipped is not None:
        if hasattr(skipped, "wasxfail"):
            return new_record(
                invariant,
                "expected-fail",
                reason=str(skipped.wasxfail).removeprefix("known failure: "),
                finding=facts.get("finding"),
                rerun=rerun,
                details=_details(skipped),
                **common,
            )
        deviation = facts.get("deviation")
        if deviation is not None:
            return new_record(
                invariant,
                "unjudged",
                reason=str(deviation),
                judged_by=deviation.judged_by,
                rerun=rerun,
                details=_details(skipped),
                **common,
            )
        return new_record(
            invariant, "skip", reason=_skip_reason(skipped), skipped_for=facts.get("skipped_for"), **common
        )
    sometimes = facts.get("sometimes")
    if sometimes is not None:
        reason = f"a known failure that shows in some runs only ({sometimes}) did not show in this one"
        return new_record(
            invariant, "pass", reason=reason, finding=facts.get("finding"), rerun=rerun, **common
        )
    violation = facts.get("should_violation")
    if violation is not None:
        reason = " / ".join(str(violation).strip().splitlines()[:2])[:_REASON_LENGTH]
        outcome: Outcome = "warn"
        return new_record(invariant, outcome, reason=reason, rerun=rerun, **common)
    return new_record(invariant, "pass", rerun=rerun, **common)
