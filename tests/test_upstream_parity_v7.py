"""worldspec.line5's parsers accept exactly the wire data ``@workflow/world`` 5.0.0-beta.37's zod
schemas accept.

The 5.x twin of tests/test_upstream_parity.py: every case of tests/fixtures/parity-v7/corpus.json
(tools/make_parity_corpus_v7.py) is judged by the line5 parser matching the upstream schema it
names, and must get upstream's verdict (tests/fixtures/parity-v7/verdicts.json, written by
tools/zod-parity/validate.mjs --pin tools/zod-parity/world-5), except for the deliberate
deviations in ``DEVIATIONS``, which docs/decisions.md ("Schema parity of the 5.x line")
explains. The list is exact in both directions. With node and npm present, upstream is asked
again and must still give the committed verdicts.
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

from tests.zod_parity import (
    CORPUS_LINE_5_PATH,
    PIN_LINE_5,
    REPO,
    VERDICTS_LINE_5_PATH,
    needs_node,
    upstream_verdicts,
)
from worldspec.entities import StructuredError
from worldspec.line5 import validation
from worldspec.line5.bulk import BulkCancelWorkflowRunsRequest, BulkCancelWorkflowRunsResult
from worldspec.line5.queue import HealthCheckPayload, WorkflowInvokePayload, parse_queue_payload
from worldspec.validation import ValidationError
from worldspec.wire import from_tagged

EVENT_DATA_DROPPED = (
    "(a) a stored event without eventData, or without a payload field of it: resolveData 'none' strips "
    "the payload fields and drops an eventData left empty. Upstream's EventSchema requires both "
    "(world-local re-adds the stripped keys as undefined before parsing); worldspec accepts their absence."
)
DATE_NOT_A_DATE = "(b) null or a boolean as a date: new Date() reads them; worldspec refuses them."
DATE_NOT_ISO = "(b) a date string outside ECMAScript's date-time format; worldspec reads ISO 8601 only."
DATE_OVERFLOW = "(b) a day that does not exist: V8 rolls it over; worldspec refuses it."
DATE_OUT_OF_RANGE = "(b) an instant outside Python's years 1 to 9999; worldspec cannot hold it."

DEVIATIONS: dict[str, str] = {
    "ending.stored.step_completed.stripped": EVENT_DATA_DROPPED,
    "ending.stored.run_created.stripped": EVENT_DATA_DROPPED,
    "ending.stored.hook_received.stripped": EVENT_DATA_DROPPED,
    "event-data.stored-absent.run_created": EVENT_DATA_DROPPED,
    "event-data.stored-absent.run_completed": EVENT_DATA_DROPPED,
    "event-data.stored-absent.run_failed": EVENT_DATA_DROPPED,
    "event-data.stored-absent.attr_set": EVENT_DATA_DROPPED,
    "event-data.stored-absent.step_created": EVENT_DATA_DROPPED,
    "event-data.stored-absent.step_completed": EVENT_DATA_DROPPED,
    "event-data.stored-absent.step_failed": EVENT_DATA_DROPPED,
    "event-data.stored-absent.step_retrying": EVENT_DATA_DROPPED,
    "event-data.stored-absent.hook_created": EVENT_DATA_DROPPED,
    "event-data.stored-absent.hook_received": EVENT_DATA_DROPPED,
    "event-data.stored-absent.hook_conflict": EVENT_DATA_DROPPED,
    "event-data.stored-absent.wait_created": EVENT_DATA_DROPPED,
    "dates.null.createdAt": DATE_NOT_A_DATE,
    "dates.null.tokenRetentionUntil": DATE_NOT_A_DATE,
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
"""Corpus cases on which worldspec.line5 deliberately disagrees with upstream, with the reason."""


def _model(model: type[pydantic.BaseModel]) -> Callable[[Any], object]:
    def parse(data: Any) -> object:
        return model.model_validate(from_tagged(data), by_alias=True, by_name=False)

    return parse


PARSERS: dict[str, Callable[[Any], object]] = {
    "EventSchema": validation.parse_event,
    "CreateEventSchema": validation.parse_event_request,
    "WorkflowRunSchema": validation.parse_run,
    "StepSchema": validation.parse_step,
    "HookSchema": validation.parse_hook,
    "WaitSchema": validation.parse_wait,
    "QueuePayloadSchema": lambda data: parse_queue_payload(from_tagged(data)),
    "WorkflowInvokePayloadSchema": _model(WorkflowInvokePayload),
    "HealthCheckPayloadSchema": _model(HealthCheckPayload),
    "StructuredErrorSchema": _model(StructuredError),
    "BulkCancelWorkflowRunsRequestSchema": _model(BulkCancelWorkflowRunsRequest),
    "BulkCancelWorkflowRunsResultSchema": _model(BulkCancelWorkflowRunsResult),
}
"""The worldspec.line5 parser for each upstream schema."""

CORPUS_TEXT = CORPUS_LINE_5_PATH.read_text(encoding="utf-8")
CASES: list[dict[str, Any]] = json.loads(CORPUS_TEXT)["cases"]
COMMITTED = json.loads(VERDICTS_LINE_5_PATH.read_text(encoding="utf-8"))
VERDICTS: dict[str, dict[str, Any]] = COMMITTED["verdicts"]
PARITY_SECTION = "## Schema parity of the 5.x line"


def worldspec_verdict(schema: str, data: Any) -> tuple[bool, str]:
    """Whether worldspec.line5 accepts ``data`` as ``schema``, and if not, its error."""
    try:
        PARSERS[schema](data)
    except (ValidationError, pydantic.ValidationError) as error:
        return False, str(error)
    return True, ""


def _accepts(accepted: bool) -> str:
    return "accepts" if accepted else "rejects"


def test_the_verdicts_judge_this_corpus() -> None:
    assert COMMITTED["upstream"]["@workflow/world"] == "5.0.0-beta.37"
    assert COMMITTED["corpusSha256"] == hashlib.sha256(CORPUS_TEXT.encode("utf-8")).hexdigest(), (
        "verdicts.json was written for another corpus; regenerate it (docs/decisions.md, "
        "Schema parity of the 5.x line)"
    )
    assert [case["id"] for case in CASES] == list(VERDICTS)
    assert [case["schema"] for case in CASES] == [verdict["schema"] for verdict in VERDICTS.values()]


def test_the_corpus_is_what_its_generator_writes() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "tools" / "make_parity_corpus_v7.py"), "--check"],
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
    assert PARITY_SECTION in decisions
    section = decisions.split(PARITY_SECTION, 1)[1].split("\n## ", 1)[0]
    ids = {case["id"] for case in CASES}
    assert not set(DEVIATIONS) - ids, f"not corpus cases: {sorted(set(DEVIATIONS) - ids)}"
    undocumented = [case_id for case_id in DEVIATIONS if f"`{case_id}`" not in section]
    assert not undocumented, f"list these in docs/decisions.md, section {PARITY_SECTION!r}: {undocumented}"


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
            "in DEVIATIONS (tests/test_upstream_parity_v7.py) and in docs/decisions.md."
        )


def _verdict_lines(verdicts: dict[str, Any]) -> list[str]:
    return [json.dumps({case_id: verdict}) for case_id, verdict in verdicts["verdicts"].items()]


@needs_node
def test_upstream_still_gives_the_committed_verdicts() -> None:
    fresh = upstream_verdicts(CORPUS_TEXT, pin=PIN_LINE_5)
    assert fresh["upstream"] == COMMITTED["upstream"]
    assert fresh["corpusSha256"] == COMMITTED["corpusSha256"]
    if fresh["verdicts"] != COMMITTED["verdicts"]:
        before, now = _verdict_lines(COMMITTED), _verdict_lines(fresh)
        diff = difflib.unified_diff(before, now, "committed verdicts.json", "upstream now", lineterm="")
        pytest.fail("upstream's verdicts changed:\n" + "\n".join(diff))
