"""worldspec's parsers accept exactly the wire data upstream's zod schemas accept.

Every case of tests/fixtures/parity/corpus.json (written by tools/make_parity_corpus.py) is
judged by the parser matching the upstream schema it names; the verdict must equal upstream's
in tests/fixtures/parity/verdicts.json (written by tools/zod-parity/validate.mjs), except for
the deliberate deviations in ``DEVIATIONS``, which docs/decisions.md ("Schema parity")
explains. The list is exact: a disagreement not in it fails, and so does an entry that no
longer disagrees. With node and npm present, upstream is asked again and must still give the
committed verdicts.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pydantic
import pytest

import worldspec
from tests.zod_parity import CORPUS_PATH, REPO, VERDICTS_PATH, needs_node, upstream_verdicts
from worldspec.entities import StructuredError
from worldspec.queue import (
    HealthCheckPayload,
    StepInvokePayload,
    WorkflowInvokePayload,
    parse_queue_payload,
)
from worldspec.wire import from_tagged

EVENT_DATA_DROPPED = (
    "(a) a stored event without eventData: resolveData 'none' strips payload fields and drops an "
    "eventData left empty. Upstream's EventSchema still requires it (its own TODO says it may be "
    "undefined); worldspec accepts it on every stored type."
)
DATE_NOT_A_DATE = (
    "(b) null or a boolean as a date: z.coerce.date() calls new Date(), which reads them as "
    "epoch 0 or 1 ms; worldspec refuses them."
)
DATE_NOT_ISO = (
    "(b) a date string outside ECMAScript's date-time format that V8's legacy parser still "
    "reads; worldspec reads ISO 8601 strings (and epoch ms, datetimes) only."
)
DATE_OVERFLOW = "(b) a day that does not exist (30 February): V8 rolls it over; worldspec refuses it."
DATE_OUT_OF_RANGE = (
    "(b) an instant outside Python's datetime range (years 1 to 9999), which a JavaScript Date "
    "can hold; worldspec cannot represent it and refuses it."
)

DEVIATIONS: dict[str, str] = {
    "event-data.stored-absent.run_created": EVENT_DATA_DROPPED,
    "event-data.stored-absent.run_completed": EVENT_DATA_DROPPED,
    "event-data.stored-absent.run_failed": EVENT_DATA_DROPPED,
    "event-data.stored-absent.step_created": EVENT_DATA_DROPPED,
    "event-data.stored-absent.step_completed": EVENT_DATA_DROPPED,
    "event-data.stored-absent.step_failed": EVENT_DATA_DROPPED,
    "event-data.stored-absent.step_retrying": EVENT_DATA_DROPPED,
    "event-data.stored-absent.hook_created": EVENT_DATA_DROPPED,
    "event-data.stored-absent.hook_received": EVENT_DATA_DROPPED,
    "event-data.stored-absent.hook_conflict": EVENT_DATA_DROPPED,
    "event-data.stored-absent.wait_created": EVENT_DATA_DROPPED,
    "dates.null.createdAt": DATE_NOT_A_DATE,
    "dates.null.resumeAt": DATE_NOT_A_DATE,
    "dates.true.createdAt": DATE_NOT_A_DATE,
    "dates.false.createdAt": DATE_NOT_A_DATE,
    "dates.human.createdAt": DATE_NOT_ISO,
    "dates.slashes.createdAt": DATE_NOT_ISO,
    "dates.rfc-2822.createdAt": DATE_NOT_ISO,
    "dates.unpadded.createdAt": DATE_NOT_ISO,
    "dates.day-overflow.createdAt": DATE_OVERFLOW,
    "dates.year-zero.createdAt": DATE_OUT_OF_RANGE,
    "dates.epoch-js-max.createdAt": DATE_OUT_OF_RANGE,
    "dates.expanded-year-10000.createdAt": DATE_OUT_OF_RANGE,
}
"""Corpus cases on which worldspec deliberately disagrees with upstream, with the reason."""


def _model(model: type[pydantic.BaseModel]) -> Callable[[Any], object]:
    def parse(data: Any) -> object:
        return model.model_validate(from_tagged(data), by_alias=True, by_name=False)

    return parse


PARSERS: dict[str, Callable[[Any], object]] = {
    "EventSchema": worldspec.parse_event,
    "CreateEventSchema": worldspec.parse_event_request,
    "WorkflowRunSchema": worldspec.parse_run,
    "StepSchema": worldspec.parse_step,
    "HookSchema": worldspec.parse_hook,
    "WaitSchema": worldspec.parse_wait,
    "QueuePayloadSchema": lambda data: parse_queue_payload(from_tagged(data)),
    "WorkflowInvokePayloadSchema": _model(WorkflowInvokePayload),
    "StepInvokePayloadSchema": _model(StepInvokePayload),
    "HealthCheckPayloadSchema": _model(HealthCheckPayload),
    "StructuredErrorSchema": _model(StructuredError),
}
"""The worldspec parser for each upstream schema. ``parse_*`` read the tagged form themselves."""

CORPUS_TEXT = CORPUS_PATH.read_text(encoding="utf-8")
CASES: list[dict[str, Any]] = json.loads(CORPUS_TEXT)["cases"]
COMMITTED = json.loads(VERDICTS_PATH.read_text(encoding="utf-8"))
VERDICTS: dict[str, dict[str, Any]] = COMMITTED["verdicts"]


def worldspec_verdict(schema: str, data: Any) -> tuple[bool, str]:
    """Whether worldspec accepts ``data`` as ``schema``, and if not, its error."""
    try:
        PARSERS[schema](data)
    except (worldspec.ValidationError, pydantic.ValidationError) as error:
        return False, str(error)
    return True, ""


def _accepts(accepted: bool) -> str:
    return "accepts" if accepted else "rejects"


def test_the_verdicts_judge_this_corpus() -> None:
    assert COMMITTED["upstream"]["@workflow/world"] == "4.5.0"
    assert COMMITTED["corpusSha256"] == hashlib.sha256(CORPUS_TEXT.encode("utf-8")).hexdigest(), (
        "verdicts.json was written for another corpus; regenerate it (see docs/decisions.md, Schema parity)"
    )
    assert [case["id"] for case in CASES] == list(VERDICTS)
    assert [case["schema"] for case in CASES] == [verdict["schema"] for verdict in VERDICTS.values()]


def test_the_corpus_is_what_its_generator_writes() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "tools" / "make_parity_corpus.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_upstream_does_what_each_case_says_it_does() -> None:
    surprises = [
        f"{case['id']}: expected upstream to {case['expect']} ({case['about']}), "
        f"but it {_accepts(VERDICTS[case['id']]['accepted'])}: {VERDICTS[case['id']].get('issues', [])}"
        for case in CASES
        if VERDICTS[case["id"]]["accepted"] != (case["expect"] == "accept")
    ]
    assert not surprises, "\n".join(surprises)


def test_every_deviation_is_a_corpus_case_and_documented() -> None:
    decisions = (REPO / "docs" / "decisions.md").read_text(encoding="utf-8")
    parity_section = decisions.split("## Schema parity", 1)[-1].split("\n## ", 1)[0]
    ids = {case["id"] for case in CASES}
    assert not set(DEVIATIONS) - ids, f"not corpus cases: {sorted(set(DEVIATIONS) - ids)}"
    undocumented = [case_id for case_id in DEVIATIONS if f"`{case_id}`" not in parity_section]
    assert not undocumented, f"list these in docs/decisions.md, section 'Schema parity': {undocumented}"


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_worldspec_agrees_with_upstream(case: dict[str, Any]) -> None:
    upstream = VERDICTS[case["id"]]
    ours, our_error = worldspec_verdict(case["schema"], case["data"])
    story = (
        f"case {case['id']} ({case['schema']}): {case['about']}\n"
        f"  data:      {json.dumps(case['data'])[:400]}\n"
        f"  upstream:  {_accepts(upstream['accepted'])} {upstream.get('issues', '')}\n"
        f"  worldspec: {_accepts(ours)} {our_error}\n"
    )
    if case["id"] in DEVIATIONS:
        assert ours != upstream["accepted"], (
            story + "This case is listed as a deviation, but worldspec and upstream now agree: "
            "remove it from DEVIATIONS and from docs/decisions.md."
        )
    else:
        assert ours == upstream["accepted"], (
            story + "Fix the model toward upstream, or, if the difference is deliberate, list the case "
            "in DEVIATIONS (tests/test_upstream_parity.py) and in docs/decisions.md."
        )


def _verdict_lines(verdicts: dict[str, Any]) -> list[str]:
    return [json.dumps({case_id: verdict}) for case_id, verdict in verdicts["verdicts"].items()]


@needs_node
def test_upstream_still_gives_the_committed_verdicts() -> None:
    fresh = upstream_verdicts(CORPUS_TEXT)
    assert fresh["upstream"] == COMMITTED["upstream"]
    assert fresh["corpusSha256"] == COMMITTED["corpusSha256"]
    if fresh["verdicts"] != COMMITTED["verdicts"]:
        before, now = _verdict_lines(COMMITTED), _verdict_lines(fresh)
        diff = difflib.unified_diff(before, now, "committed verdicts.json", "upstream now", lineterm="")
        pytest.fail("upstream's verdicts changed:\n" + "\n".join(diff))
