"""The parts of ``worldspec certify`` that need no kit run: the level rule, masking, progress."""

from __future__ import annotations

import io
from xml.etree import ElementTree

import pytest

from conformance.certify.badge import BADGE_COLOURS, badge_svg
from conformance.certify.levels import LEVELS, capability_of_skip, highest_reached, judge
from conformance.certify.masking import MASK, Masker, mask_url
from conformance.certify.progress import ProgressDisplay
from worldspec.capabilities import Capabilities, Capability

CHECKED = {"RUN-004": "RUN", "BIN-003": "BIN", "STRM-003": "STRM", "RS-006": "RS"}
ALL_PASS = {ident: ("pass", "") for ident in CHECKED}


def _skip_for(capability: Capability) -> tuple[str, str]:
    return "skip", f"World lacks capability {capability.value}: {Capabilities.describe(capability)}"


def _reached(outcomes: dict[str, tuple[str, str]]) -> str | None:
    return highest_reached({name: judge(level, CHECKED, outcomes) for name, level in LEVELS.items()})


def test_everything_passing_reaches_full() -> None:
    assert _reached(ALL_PASS) == "full"


def test_a_should_warning_blocks_nothing() -> None:
    assert _reached({**ALL_PASS, "RUN-004": ("warn", "LIST-008 (SHOULD) ...")}) == "full"


@pytest.mark.parametrize("outcome", ["fail", "expected-fail"])
def test_a_core_failure_or_known_failure_blocks_every_level(outcome: str) -> None:
    outcomes = {**ALL_PASS, "RUN-004": (outcome, "broken")}
    verdict = judge(LEVELS["core"], CHECKED, outcomes)
    assert [blocker.id for blocker in verdict.blockers] == ["RUN-004"]
    assert _reached(outcomes) is None


def test_a_stream_failure_caps_the_level_at_core() -> None:
    assert _reached({**ALL_PASS, "STRM-003": ("fail", "broken")}) == "core"


def test_a_missing_outcome_blocks() -> None:
    outcomes = {ident: outcome for ident, outcome in ALL_PASS.items() if ident != "RS-006"}
    assert judge(LEVELS["core"], CHECKED, outcomes).blockers[0].why == "the kit recorded no outcome"


def test_absent_required_capabilities_are_excused_by_core_only() -> None:
    outcomes = {
        **ALL_PASS,
        "BIN-003": _skip_for(Capability.QUEUE_DELIVERY),
        "STRM-003": _skip_for(Capability.STREAMS),
    }
    assert judge(LEVELS["core"], CHECKED, outcomes).reached
    blocked = judge(LEVELS["full"], CHECKED, outcomes).blockers
    assert {blocker.id for blocker in blocked} == {"BIN-003", "STRM-003"}


def test_absent_may_capabilities_block_no_level() -> None:
    outcomes = {**ALL_PASS, "RS-006": _skip_for(Capability.PRELOAD)}
    assert _reached(outcomes) == "full"
    assert _reached({**ALL_PASS, "RS-006": ("skip", "World has no worldspec_backdoor: ...")}) == "full"


def test_a_skip_for_no_capability_blocks() -> None:
    assert _reached({**ALL_PASS, "RUN-004": ("skip", "the test skipped itself")}) is None


def test_skip_reasons_name_their_capability() -> None:
    assert capability_of_skip(_skip_for(Capability.DELAY)[1]) == "delay"
    assert capability_of_skip("World has no worldspec_backdoor: a backdoor ...") == "legacy_seeding"
    assert capability_of_skip("no World given") is None


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
    svg = ElementTree.fromstring(badge_svg(level, 3))
    texts = [element.text for element in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["worldspec spec 3", level or "not certified"]
    fills = {element.get("fill") for element in svg.iter("{http://www.w3.org/2000/svg}rect")}
    assert BADGE_COLOURS[level] in fills


COLLECTED = {
    "event": "collected",
    "tests": [{"id": "RUN-004", "family": "RUN"}, {"id": "RUN-006", "family": "RUN"}],
}


def _finished(ident: str, outcome: str) -> dict[str, str]:
    return {"event": "finished", "id": ident, "family": "RUN", "outcome": outcome, "details": ""}


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
