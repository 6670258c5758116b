"""PostgresWorld answers every sequence of creates exactly as MemoryWorld, the oracle, does.

Hypothesis draws sequences of events over a few runs, steps, hooks (sharing two tokens, so
conflicts happen), and waits, including legacy and resilient-start runs, terminal runs and
refusals. Both Worlds receive the same calls; their results (or error names) and then every
read (logs paged two at a time, entities, lists, tokens, resolveData 'none') must be equal
once minted ids and timestamps are replaced by placeholders.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from conformance.checks import make
from reference_worlds.memory import MemoryWorld
from reference_worlds.postgres import PostgresWorld
from tests.postgres_support import postgres_dsn
from worldspec.errors import WorkflowError
from worldspec.events import EventRequest
from worldspec.pagination import PaginationOptions
from worldspec.wire_types import MISSING

RUNS, ITEMS, TOKENS = 3, 2, 2
KINDS = (
    "run_created",
    "run_started",
    "run_completed",
    "run_failed",
    "run_cancelled",
    "step_created",
    "step_started",
    "step_completed",
    "step_failed",
    "step_retrying",
    "hook_created",
    "hook_received",
    "hook_disposed",
    "wait_created",
    "wait_completed",
)

WEIGHTED_KINDS = KINDS[:2] * 2 + KINDS[2:5] + KINDS[5:10] * 4 + KINDS[10:13] * 3 + KINDS[13:] * 2
"""Terminal run events are rarer than entity events, so runs live long enough to have some."""


@dataclass(frozen=True)
class Op:
    """One ``events.create``: its type, which run (of those known), which step/hook/wait,
    which shared token, and a variant (spec version, resilience, payload or error shape)."""

    kind: str
    run: int
    item: int
    token: int
    variant: int


OPS = st.builds(
    Op,
    kind=st.sampled_from(WEIGHTED_KINDS),
    run=st.integers(0, RUNS),
    item=st.integers(0, ITEMS - 1),
    token=st.integers(0, TOKENS - 1),
    variant=st.integers(0, 3),
)


class Names:
    """The ids both Worlds are given: client run ids, step/hook/wait ids and tokens."""

    def __init__(self) -> None:
        self.runs = [make.new_id("wrun") for _ in range(RUNS)]
        self.items = {(run, item): make.new_id("x") for run in range(RUNS + 2) for item in range(ITEMS)}
        self.tokens = [make.new_id("token") for _ in range(TOKENS)]
        self.workflow = make.workflow_name()
        self.later = datetime.now(UTC) + timedelta(hours=1, milliseconds=500)
        self.earlier = datetime(2024, 1, 1, tzinfo=UTC)


def _request(op: Op, names: Names, run_position: int) -> EventRequest:
    item = names.items[(run_position, op.item)]
    token = names.tokens[op.token]
    match op.kind:
        case "run_created" if op.variant == 1:
            return make.run_created(input={"json": [0, "", None, False]}, spec_version=1, name=names.workflow)
        case "run_created":
            return make.run_created(spec_version=2 if op.variant == 2 else 3, name=names.workflow)
        case "run_started":
            return make.run_started(resilient=op.variant >= 2, input=b"devl\x01", name=names.workflow)
        case "run_completed":
            return make.run_completed(output=b"" if op.variant else b"devl\x02")
        case "run_failed":
            return make.run_failed(error={"message": "m", "stack": "s"} if op.variant else "plain")
        case "run_cancelled":
            return make.run_cancelled()
        case "step_created":
            return make.step_created(f"step_{item}", input=bytes([op.variant]))
        case "step_started":
            return make.step_started(f"step_{item}")
        case "step_completed":
            return make.step_completed(f"step_{item}", result=bytes([op.variant]) * op.variant)
        case "step_failed":
            return make.step_failed(
                f"step_{item}", error={"message": "f"} if op.variant else "failed", stack="st"
            )
        case "step_retrying":
            after = (None, names.earlier, names.later, None)[op.variant]
            return make.step_retrying(f"step_{item}", retry_after=after if after else MISSING)
        case "hook_created":
            return make.hook_created(f"hook_{item}", token, metadata=b"meta", is_webhook=bool(op.variant % 2))
        case "hook_received":
            return make.hook_received(f"hook_{item}", payload=b"\x00" * op.variant)
        case "hook_disposed":
            return make.hook_disposed(f"hook_{item}")
        case "wait_created":
            return make.wait_created(f"wait_{item}", names.later)
        case _:
            return make.wait_completed(f"wait_{item}")


class Normalizer:
    """Replaces what legitimately differs between Worlds: minted ids and timestamps."""

    def __init__(self, names: Names) -> None:
        self._fixed = set(names.runs) | set(names.items.values()) | set(names.tokens)
        self._minted: dict[str, str] = {}

    def __call__(self, value: Any) -> Any:
        if isinstance(value, BaseModel):
            return self(value.model_dump(by_alias=True, mode="python"))
        if isinstance(value, dict):
            return {key: self(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self(item) for item in value]
        if isinstance(value, datetime):
            return "<date>"
        if isinstance(value, str) and value.startswith(("evnt_", "wrun_")) and value not in self._fixed:
            return self._minted.setdefault(value, f"<{value[:4]} {len(self._minted)}>")
        return value


async def _outcome(call: Any) -> Any:
    try:
        return await call
    except WorkflowError as error:
        return f"raised {error.name}"


async def _pages(list_call: Any) -> list[Any]:
    found: list[Any] = []
    cursor = None
    while True:
        options = PaginationOptions(limit=2, **({"cursor": cursor} if cursor else {}))
        page = await list_call(options)
        found.extend(page.data)
        if not page.has_more:
            return found
        cursor = page.cursor


async def _replay(world: Any, ops: list[Op], names: Names) -> list[Any]:
    """Every result and read of ``ops`` on ``world``, normalized."""
    normalize = Normalizer(names)
    known: list[str] = list(names.runs)
    record: list[Any] = []
    for op in ops:
        position = op.run % len(known)
        run_id: str | None = known[position]
        if op.kind == "run_created" and op.variant == 3:
            run_id = None
        result = await _outcome(world.events.create(run_id, _request(op, names, position)))
        record.append(normalize(result))
        if run_id is None and not isinstance(result, str) and len(known) < RUNS + 2:
            known.append(result.run.run_id)
    for run_id in known:
        record.append(normalize(await _outcome(world.runs.get(run_id))))
        for resolve in ("all", "none"):
            events = await _pages(
                lambda options, run_id=run_id, resolve=resolve: world.events.list(
                    run_id, pagination=options, resolve_data=resolve
                )
            )
            record.append(normalize(events))
        record.append(
            normalize(await _pages(lambda options, r=run_id: world.steps.list(r, pagination=options)))
        )
        record.append(
            normalize(await _pages(lambda options, r=run_id: world.hooks.list(run_id=r, pagination=options)))
        )
    for token in names.tokens:
        record.append(normalize(await _outcome(world.hooks.get_by_token(token))))
    for item in names.items.values():
        for kind in ("step", "hook", "wait"):
            listed = await world.events.list_by_correlation_id(f"{kind}_{item}")
            record.append(normalize(listed.data))
    for status in ("pending", "running", "completed", "failed", "cancelled"):
        record.append(
            normalize(
                await _pages(
                    lambda options, s=status: world.runs.list(
                        workflow_name=names.workflow, status=s, pagination=options
                    )
                )
            )
        )
    return record


async def _compare(world: PostgresWorld, ops: list[Op]) -> None:
    names = Names()
    expected = await _replay(MemoryWorld(), ops, names)
    got = await _replay(world, ops, names)
    for index, (want, have) in enumerate(zip(expected, got, strict=True)):
        assert have == want, f"entry {index} differs\nMemoryWorld: {want}\nPostgresWorld: {have}"


CREATIONS = st.lists(st.sampled_from((0, 0, 0, 1, 2, 3)), min_size=RUNS, max_size=RUNS).map(
    lambda variants: [Op("run_created", run, 0, 0, variant) for run, variant in enumerate(variants)]
)
"""Each example first creates its client runs (mostly at spec 3; else 1, 2, or a minted id),
so that the random events that follow mostly meet existing runs."""


def test_postgres_world_matches_memory_world() -> None:
    """One PostgresWorld serves every example: each example uses ids and a workflow name of its
    own, so examples cannot see each other (runs.list is filtered by that name)."""
    postgres_dsn()
    loop = asyncio.new_event_loop()
    world = PostgresWorld()
    loop.run_until_complete(world.start())

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(creations=CREATIONS, ops=st.lists(OPS, min_size=1, max_size=80))
    def matches(creations: list[Op], ops: list[Op]) -> None:
        loop.run_until_complete(_compare(world, creations + ops))

    try:
        matches()
    finally:
        loop.run_until_complete(world.close())
        loop.close()
