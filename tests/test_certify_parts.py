"""The parts of ``worldspec certify`` that need no kit run: the level rule, masking, progress."""

from __future__ import annotations

import io
from xml.etree import ElementTree

import pytest

from conformance.catalogue import INVARIANTS
from conformance.certify.badge import BADGE_COLOURS, badge_svg
from conformance.certify.command import worker_count
from conformance.certify.identity import Package
from conformance.certify.levels import LEVELS, highest_reached, judge
from conformance.certify.masking import MASK, Masker, mask_url
from conformance.certify.progress import ProgressDisplay
from conformance.reporting.records import InvariantRecord, Outcome, new_record
from worldspec.capabilities import Capability

CHECKED = {
    "RUN-004": "RUN",
    "BIN-003": "BIN",
    "STRM-003": "STRM",
    "RS-006": "RS",
    "LEG-007": "LEG",
    "ERR-003": "ERR",
}


def _record(ident: str, outcome: Outcome = "pass", skipped_for: Capability | None = None) -> InvariantRecord:
    return new_record(
        INVARIANTS[ident],
        outcome,
        reason=f"{outcome} here",
        skipped_for=skipped_for.value if skipped_for else None,
    )


ALL_PASS = {ident: _record(ident) for ident in CHECKED}


def _reached(records: dict[str, InvariantRecord]) -> str | None:
    return highest_reached({name: judge(level, CHECKED, records) for name, level in LEVELS.items()})


def test_everything_passing_reaches_full() -> None:
    assert _reached(ALL_PASS) == "full"


def test_a_should_warning_blocks_nothing() -> None:
    assert _reached({**ALL_PASS, "RUN-004": _record("RUN-004", "warn")}) == "full"


@pytest.mark.parametrize("outcome", ["fail", "expected-fail", "unjudged"])
def test_a_core_failure_known_failure_or_unjudged_rule_blocks_every_level(outcome: Outcome) -> None:
    records = {**ALL_PASS, "RUN-004": _record("RUN-004", outcome)}
    verdict = judge(LEVELS["core"], CHECKED, records)
    assert [blocker.id for blocker in verdict.blockers] == ["RUN-004"]
    assert _reached(records) is None


def test_a_stream_failure_caps_the_level_at_core() -> None:
    assert _reached({**ALL_PASS, "STRM-003": _record("STRM-003", "fail")}) == "core"


def test_a_missing_record_blocks() -> None:
    records = {ident: record for ident, record in ALL_PASS.items() if ident != "RS-006"}
    assert judge(LEVELS["core"], CHECKED, records).blockers[0].why == "the kit recorded no outcome"


def test_absent_required_capabilities_are_excused_by_core_only() -> None:
    records = {
        **ALL_PASS,
        "BIN-003": _record("BIN-003", "skip", Capability.QUEUE_DELIVERY),
        "STRM-003": _record("STRM-003", "skip", Capability.STREAMS),
    }
    assert judge(LEVELS["core"], CHECKED, records).reached
    blocked = judge(LEVELS["full"], CHECKED, records).blockers
    assert {blocker.id for blocker in blocked} == {"BIN-003", "STRM-003"}


@pytest.mark.parametrize("capability", [c for c in Capability if c.requirement != "MUST"], ids=str)
def test_every_absent_may_capability_and_kit_facility_blocks_no_level(capability: Capability) -> None:
    records = {**ALL_PASS, "LEG-007": _record("LEG-007", "skip", capability)}
    assert _reached(records) == "full"


def test_legal_worlds_without_the_legacy_codec_or_state_guard_reach_full() -> None:
    records = {
        **ALL_PASS,
        "LEG-007": _record("LEG-007", "skip", Capability.LEGACY_CODEC),
        "ERR-003": _record("ERR-003", "skip", Capability.STATE_GUARD),
    }
    assert _reached(records) == "full"


def test_a_skip_no_capability_decided_blocks() -> None:
    assert _reached({**ALL_PASS, "RUN-004": _record("RUN-004", "skip")}) is None


def test_each_capability_is_declared_once_with_what_levels_derive_from_it() -> None:
    for capability in Capability:
        assert capability.requirement in ("MUST", "MAY", "KIT")
        assert capability.section.startswith("§") and capability.summary
        assert capability.section in capability.describe() and capability.summary in capability.describe()
    required_by_full = {c for c in Capability if not LEVELS["full"].excuses(c)}
    required_by_core = {c for c in Capability if not LEVELS["core"].excuses(c)}
    assert required_by_full == {Capability.STREAMS, Capability.QUEUE_DELIVERY}
    assert required_by_core == set()


def test_secret_options_are_masked_at_any_depth() -> None:
    options = {
        "password": "pw-1",
        "dsn": "postgres://user:pw-2@db:5432/x",
        "env": {"PGPASSWORD": "pw-3", "PGHOST": "db"},
        "apiKey": 1234,
        "depth": 3,
    }
    masker = Masker.for_options(options)
    assert masker.mask(options) == {
        "password": MASK,
        "dsn": f"postgres://user:{MASK}@db:5432/x",
        "env": {"PGPASSWORD": MASK, "PGHOST": "db"},
        "apiKey": MASK,
        "depth": 3,
    }
    text = "Factory(password='pw-1', dsn='postgres://user:pw-2@db:5432/x', env={'PGPASSWORD': 'pw-3'}) 1234"
    redacted = masker.redact(text)
    assert not any(secret in redacted for secret in ("pw-1", "pw-2", "pw-3", "1234"))
    assert masker.option_argument("dsn", options["dsn"]) == f"dsn=postgres://user:{MASK}@db:5432/x"
    assert masker.option_argument("depth", 3) == "depth=3"


def test_urls_without_a_password_are_kept() -> None:
    assert mask_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    assert mask_url("postgresql://postgres@127.0.0.1/test") == "postgresql://postgres@127.0.0.1/test"


@pytest.mark.parametrize("level", [None, "core", "full"])
def test_the_badge_is_svg_showing_the_level(level: str | None) -> None:
    svg = ElementTree.fromstring(badge_svg(level, "4.x"))
    texts = [element.text for element in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["worldspec 4.x", level or "not certified"]
    fills = {element.get("fill") for element in svg.iter("{http://www.w3.org/2000/svg}rect")}
    assert BADGE_COLOURS[level] in fills


def test_the_badge_of_a_refused_world_says_refused() -> None:
    svg = ElementTree.fromstring(badge_svg(None, None))
    texts = [element.text for element in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["worldspec", "refused"]


COLLECTED = {
    "event": "collected",
    "tests": [{"id": "RUN-004", "family": "RUN"}, {"id": "RUN-006", "family": "RUN"}],
}


def _finished(ident: str, outcome: Outcome) -> dict[str, object]:
    return {"event": "finished", "record": _record(ident, outcome).to_json()}


def test_progress_without_a_terminal_prints_failures_and_finished_families() -> None:
    stream = io.StringIO()
    display = ProgressDisplay(stream, live=False)
    for message in (COLLECTED, _finished("RUN-004", "fail"), _finished("RUN-006", "pass")):
        display(message)
    assert stream.getvalue().splitlines() == ["  FAIL RUN-004", "RUN   2/2  1 fail, 1 pass"]
    assert "\x1b" not in stream.getvalue()


def test_live_progress_redraws_a_bar_per_family_in_place() -> None:
    stream = io.StringIO()
    display = ProgressDisplay(stream, live=True)
    display(COLLECTED)
    display(_finished("RUN-004", "pass"))
    drawn = stream.getvalue()
    assert drawn.count("\x1b[1F") == 1
    last = drawn.rpartition("\x1b[2K")[2]
    assert "1/2" in last and "█" * 15 in last and "░" * 15 in last


def test_the_invariants_a_worker_collected_are_read_from_grouped_node_ids_too() -> None:
    from conformance.plugin import _invariant_ids

    node_ids = [
        "conformance/suites/test_runs.py::test_run_created[RUN-001]",
        "conformance/suites/test_races.py::test_race[LIN-002]@worldspec-races",
        "conformance/suites/test_hooks.py::test_token[HOOK-003]@worldspec-races",
        "tests/test_other.py::test_unrelated[3]",
    ]
    assert _invariant_ids(node_ids) == ["RUN-001", "LIN-002", "HOOK-003"]


def test_a_record_for_an_invariant_the_collection_did_not_announce_is_still_judged() -> None:
    from conformance.certify.runner import KitRun, _dispatch

    run = KitRun(exit_code=0, output="", report=None)
    record = _record("RUN-004")
    _dispatch(
        [
            {"event": "collected", "tests": [{"id": "BIN-003", "family": "BIN"}]},
            {"event": "finished", "record": record.to_json()},
        ],
        run,
        lambda message: None,
    )
    assert set(run.checked) == {"BIN-003", "RUN-004"}


@pytest.mark.parametrize(
    ("requested", "package", "workers"),
    [
        ("auto", None, 2),
        ("auto", Package("python", "my-world", "1.0"), 2),
        ("auto", Package("npm", "@workflow/world-local", "4.4.1"), 4),
        ("3", Package("npm", "@workflow/world-local", "4.4.1"), 3),
        ("1", None, 1),
    ],
)
def test_auto_workers_are_one_per_core_or_two_for_a_bridged_world(
    requested: str, package: Package | None, workers: int
) -> None:
    assert worker_count(requested, package, cores=2) == workers


@pytest.mark.parametrize(
    ("requested", "message"), [("0", "at least 1, got 0"), ("all", "or auto, got 'all'")]
)
def test_worker_counts_other_than_a_positive_number_or_auto_are_refused(requested: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        worker_count(requested, None, cores=2)
