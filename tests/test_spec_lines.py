"""One kit, two lines: the line a World is judged on, what is collected there, what reports say,
and the refusal of a World whose spec version belongs to no line (docs/decisions.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conformance.catalogue.docs import generate
from conformance.catalogue.entries import INVARIANTS, REPLACED_ON_LINE_5, invariants_of_line
from conformance.catalogue.marker import invariant
from conformance.certify.identity import WorldIdentity
from conformance.certify.masking import Masker
from conformance.certify.results import certification_of
from conformance.certify.runner import KitRequest, KitRun
from conformance.reporting.records import new_record
from conformance.world.spec_line import LineRefused, choose_line
from tests.kit_runner import run_kit
from tests.test_certify import certify, worldspec
from worldspec.lines import SpecLine

MEMORY = "reference_worlds.memory:MemoryWorld"
SPEC_FIVE = "tests.off_line_worlds:SpecFiveWorld"


@pytest.mark.parametrize(
    ("declared", "override", "line"),
    [
        (None, None, SpecLine.LINE_4),
        (3, None, SpecLine.LINE_4),
        (1, None, SpecLine.LINE_4),
        (6, None, SpecLine.LINE_5),
        (7, None, SpecLine.LINE_5),
        (3, 7, SpecLine.LINE_5),
        (None, 6, SpecLine.LINE_5),
        (7, 3, SpecLine.LINE_4),
    ],
)
def test_the_declared_version_or_the_override_picks_the_line(
    declared: int | None, override: int | None, line: SpecLine
) -> None:
    assert choose_line(declared, override).line is line


@pytest.mark.parametrize(("declared", "override"), [(5, None), (4, None), (5, 7), (8, None), ("7", None)])
def test_a_version_of_no_line_is_refused_even_with_an_override(
    declared: object, override: int | None
) -> None:
    with pytest.raises(LineRefused, match=f"declares spec version {declared!r}, which no line"):
        choose_line(declared, override)


def test_an_override_of_no_line_is_the_callers_mistake_not_a_refusal() -> None:
    with pytest.raises(
        ValueError, match="--world-spec 5 names no line of the contract: it is a transitional"
    ):
        choose_line(3, 5)


def test_catalogue_lines_follow_the_v7_catalogue() -> None:
    line_4, line_5 = invariants_of_line(SpecLine.LINE_4), invariants_of_line(SpecLine.LINE_5)
    assert set(REPLACED_ON_LINE_5) <= set(line_4) and not set(REPLACED_ON_LINE_5) & set(line_5)
    assert {"RUN-001", "LIST-008", "STRM-007", "COPY-001", "LIN-001"} <= set(line_4) & set(line_5)
    assert INVARIANTS["ERR-003"].replaced_by is None
    assert INVARIANTS["EVT-001"].replaced_by == "SLOT-001"


def test_a_test_cannot_claim_a_line_its_invariant_does_not_belong_to() -> None:
    with pytest.raises(TypeError, match=r"RUN-005 applies to the 4\.x line"):
        invariant("RUN-005", lines=SpecLine.LINE_5)


def test_invariant_pages_say_their_lines() -> None:
    pages = generate()
    assert "Lines: **4.x and 5.x**" in pages["RUN-001.md"]
    assert "Line: **4.x** only" in pages["RUN-005.md"] and "RUN-101" in pages["RUN-005.md"]
    assert "withdrawn without replacement" in pages["ERR-003.md"]
    assert "[4.x]" in pages["index.md"] and "[4.x, 5.x]" in pages["index.md"]


def test_invariants_command_filters_by_line() -> None:
    listed = json.loads(worldspec("invariants", "--json", "--spec", "7").stdout)
    assert [row["id"] for row in listed] == list(invariants_of_line(SpecLine.LINE_5))
    assert all("5.x" in row["lines"] for row in listed)
    assert "RUN-005" not in {row["id"] for row in listed}
    refused = worldspec("invariants", "--spec", "5")
    assert refused.returncode == 2 and "spec version 5" in refused.stderr


def test_memory_world_at_spec_7_passes_and_is_certified_on_the_5x_line(tmp_path: Path) -> None:
    """The kit run behind certify is ``pytest --world=... --world-opt spec_version=7``."""
    process, report = certify(tmp_path, MEMORY, "--opt", "spec_version=7", "--profile", "quick")
    assert process.returncode == 0, process.stdout + process.stderr
    assert (report["line"], report["specVersion"], report["world"]["specVersion"]) == ("5.x", 7, 7)
    assert {entry["outcome"] for entry in report["invariants"]} <= {"pass", "skip"}
    assert not {entry["id"] for entry in report["invariants"]} & set(REPLACED_ON_LINE_5)
    assert all("5.x" in entry["lines"] for entry in report["invariants"])
    judged = {entry["id"] for entry in report["invariants"]}
    line_5 = set(invariants_of_line(SpecLine.LINE_5))
    assert judged <= line_5 and set(report["notChecked"]) == line_5 - judged
    assert "SLOT-013" in report["notChecked"], "unchecked on this line, listed as such"
    assert {"RUN-101", "ATTR-002", "RUN-001"} <= judged and "RUN-005" not in report["notChecked"]
    assert ">worldspec 5.x</text>" in (tmp_path / "badge.svg").read_text()
    assert "judged on the 5.x line (contract spec version 7)" in (tmp_path / "report.md").read_text()


def test_world_spec_overrides_the_declared_line(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    outcomes = run_kit(MEMORY, "--world-spec=7", "-k", "RUN-005 or RUN-001", keep_report=report)
    assert json.loads(report.read_text())["line"] == "5.x"
    assert set(outcomes) - {"__process__"} == {"RUN-001"}, "RUN-005 belongs to the 4.x line only"


def test_a_spec_5_world_is_refused_in_one_line(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    outcomes = run_kit(SPEC_FIVE, keep_report=report)
    process = outcomes.pop("__process__")
    assert process.returncode == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in process.stderr.splitlines() if line.startswith("ERROR")]
    assert errors == [errors[0]] and "declares spec version 5" in errors[0] and "transitional" in errors[0]
    assert not outcomes, "no invariant may be reported for a refused World"
    document = json.loads(report.read_text())
    assert (
        document["invariants"] == [] and document["line"] is None and "spec version 5" in document["refused"]
    )


def test_certify_refuses_a_spec_5_world_with_a_report(tmp_path: Path) -> None:
    process, report = certify(tmp_path, SPEC_FIVE)
    assert process.returncode == 1, process.stdout + process.stderr
    assert "refused" in process.stdout and "spec version 5" in process.stdout
    assert report["line"] is None and "spec version 5" in report["refused"]
    assert report["invariants"] == [] and report["certification"]["reachedLevel"] is None
    assert ">refused</text>" in (tmp_path / "badge.svg").read_text()
    assert "**Refused**" in (tmp_path / "report.md").read_text()


def test_an_invariant_of_the_other_line_never_blocks_a_level() -> None:
    checked = {"RUN-001": "RUN", "RUN-005": "RUN"}
    run = KitRun(0, "", {"line": "5.x", "specVersion": 7, "world": {"specVersion": 7}}, checked)
    run.records = {
        "RUN-001": new_record(INVARIANTS["RUN-001"], "pass"),
        "RUN-005": new_record(INVARIANTS["RUN-005"], "fail", reason="judged by the wrong line"),
    }
    certification = certification_of(
        KitRequest(MEMORY),
        run,
        WorldIdentity(MEMORY, {}, None),
        Masker.for_options({}),
        environment={},
        requested_level="full",
        started_at=datetime.now(UTC),
    )
    assert [record.id for record in certification.invariants] == ["RUN-001"]
    assert certification.certified and certification.line == "5.x"
    assert "RUN-005" not in certification.not_checked
    assert ("line", "judged on the 5.x line (contract spec version 7)") in certification.about()
