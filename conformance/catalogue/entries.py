"""The invariant catalogue: every testable statement of the contract, by stable ID.

Transcribed from §13 of shared/spec/world-contract.md. IDs are public API: never renamed or
reused; a retired invariant stays here with ``retired=True``. ``docs/invariants/`` is generated
from this table (``python -m conformance.catalogue.docs``) and a test fails when the two drift.

**Kit additions.** The ``LIN`` and ``COPY`` families are not in §13: they are worldspec's own.
``LIN`` holds the checks of §8 (linearizability) and §9 (paging) that judge whole histories
rather than single calls: random operation sequences compared with the in-memory oracle, and
concurrent histories checked for linearizability. ``COPY`` holds what a storage backend owes
its callers beyond the contract's letter: that what they send and receive is theirs. ``COH``
states rules the contract makes only in passing (``updatedAt`` on each mutation, a child's
``specVersion``, ``limit`` on every list) and that every read path of an entity agrees.
``STATUS`` turns the statuses the contract's prose asks of some refusals (SHOULD, with no §13
ID) into invariants, so a World that leaves them out is warned. ``FAULT``
holds what a World keeps when its process is killed or its connections are cut (docs/faults.md):
judged, like ``LIN``, on histories, for Worlds with the kit's ``faults`` hook. These
families carry ``kit_addition=True`` and the generated docs say so. The §13 IDs are
transcribed unchanged.

**Lines.** Each invariant applies to one or both lines of the contract (``worldspec.lines``):
the 4.x line (spec versions up to 3) and the 5.x line (spec versions 6 and 7). A base invariant
applies to both unless §13-v7(b) of shared/spec/world-contract-v7.md replaces or withdraws it for
spec 6 and above (``REPLACED_ON_LINE_5``); the kit's own families apply to both. The 5.x-only
invariants are added by ``conformance.catalogue.entries_line5``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from conformance.catalogue.entries_line5 import LINE_5_FAMILIES, LINE_5_TABLE
from worldspec.lines import SpecLine

__all__ = [
    "BOTH_LINES",
    "FAMILIES",
    "INVARIANTS",
    "REPLACED_ON_LINE_5",
    "Family",
    "Invariant",
    "Level",
    "invariant_by_id",
    "invariants_of_line",
]

Level = Literal["MUST", "SHOULD", "MAY"]


@dataclass(frozen=True)
class Family:
    """A group of invariants about one part of the contract; ``marker`` selects it with ``-m``."""

    prefix: str
    marker: str
    title: str
    sections: str
    kit_addition: bool = False
    """True for worldspec's own families, which are not in the spec's §13 catalogue."""


@dataclass(frozen=True)
class Invariant:
    """One testable statement. MUST violations fail a World, SHOULD ones warn, MAY ones are
    tested only where the World declares the capability."""

    id: str
    level: Level
    statement: str
    family: Family
    retired: bool = False
    lines: frozenset[SpecLine] = frozenset(SpecLine)
    """The lines of the contract this invariant belongs to; a World judged on another line is
    never judged by it."""
    replaced_by: str | None = None
    """On the 5.x line: the invariant that takes this one's place (``None`` when it applies there
    unchanged, or is withdrawn without replacement)."""

    def applies_to(self, line: SpecLine) -> bool:
        """Whether a World judged on ``line`` is judged by this invariant."""
        return line in self.lines

    @property
    def lines_label(self) -> str:
        """The lines as reports show them: ``4.x``, ``5.x`` or ``4.x, 5.x``."""
        return ", ".join(line.value for line in SpecLine if line in self.lines)


FAMILIES: Final[dict[str, Family]] = {
    "RUN": Family("RUN", "runs", "runs", "§4.2"),
    "RS": Family("RS", "resilient_start", "resilient start", "§5"),
    "STEP": Family("STEP", "steps", "steps", "§4.3"),
    "HOOK": Family("HOOK", "hooks", "hooks", "§4.4"),
    "WAIT": Family("WAIT", "waits", "waits", "§4.5"),
    "TERM": Family("TERM", "terminal", "terminal runs", "§4.6"),
    "EVT": Family("EVT", "event_log", "event log", "§2.1, §4.1, §9"),
    "LEG": Family("LEG", "legacy", "spec versions, legacy", "§2.4, §6"),
    "BIN": Family("BIN", "binary", "binary fidelity", "§7"),
    "LIST": Family("LIST", "listing", "listing", "§9"),
    "STRM": Family("STRM", "streams", "streams", "§10"),
    "Q": Family("Q", "queue", "queue", "§11"),
    "ERR": Family("ERR", "errors", "errors", "§3, §12"),
    "LIN": Family("LIN", "linearizability", "linearizability", "§8, §9", kit_addition=True),
    "COPY": Family("COPY", "isolation", "caller isolation", "§2.3", kit_addition=True),
    "COH": Family("COH", "coherence", "coherent views", "§2.2, §2.5, §9", kit_addition=True),
    "FAULT": Family("FAULT", "faults", "faults", "§3, §4.1, §8", kit_addition=True),
    "STATUS": Family("STATUS", "statuses", "refusal statuses", "§3, §4.1, §9", kit_addition=True),
    **{
        prefix: Family(prefix, marker, title, sections) for prefix, marker, title, sections in LINE_5_FAMILIES
    },
}

_TABLE: Final[tuple[tuple[str, Level, str], ...]] = (
    (
        "RUN-001",
        "MUST",
        "`create(null, run_created)` ⇒ `{event, run}`, runId `^wrun_[0-9A-HJKMNP-TV-Z]{26}$`, status pending.",
    ),
    ("RUN-002", "MUST", "`run_created` with a client runId keeps it in `run` and `event`."),
    ("RUN-003", "MUST", "Client runId not a ULID, > 24 h old or > 5 min ahead ⇒ `WorkflowWorldError`."),
    (
        "RUN-004",
        "MUST",
        "A 2nd `run_created` (sequential or concurrent) ⇒ `EntityConflictError`; one `run_created` in the log.",
    ),
    (
        "RUN-005",
        "MUST",
        "The new run echoes the `run_created` fields and specVersion (default 3); input byte-exact.",
    ),
    (
        "RUN-006",
        "MUST",
        "`run_started` on pending ⇒ running, `{event, run}` with `run.startedAt` set; stored event has no eventData.",
    ),
    ("RUN-007", "MUST", "`run_started` on a running run returns the run and appends nothing."),
    ("RUN-008", "MUST", "`run_started` on a terminal run ⇒ `RunExpiredError`."),
    (
        "RUN-009",
        "MUST",
        "Terminal run events from pending/running set status, `completedAt`; `output` byte-exact.",
    ),
    (
        "RUN-010",
        "MUST",
        "`run_failed` ⇒ `error = {message, stack?, code?}` from `error` (string or object) and `errorCode`.",
    ),
    (
        "RUN-011",
        "MUST",
        "A terminal event on a terminal run ⇒ `EntityConflictError`, except re-cancel (no-op); concurrently one wins.",
    ),
    ("RUN-012", "MUST", "Terminal run event on a missing run ⇒ `WorkflowRunNotFoundError`."),
    ("RUN-013", "MUST", "`runs.get` miss ⇒ `WorkflowRunNotFoundError`."),
    ("RUN-014", "MUST", "A run's first event is its `run_created` (also after resilient start)."),
    ("RUN-015", "MUST", "`run.status` = fold of its log (pending, running, first terminal event)."),
    (
        "RS-001",
        "MUST",
        "`run_started` with `{deploymentId, workflowName, input}` creates a missing run as running; else no run.",
    ),
    (
        "RS-002",
        "MUST",
        "Its log is exactly `[run_created (sent fields, input byte-exact), run_started (no eventData)]`.",
    ),
    ("RS-003", "MUST", "The resilient run's specVersion is the event's (default 3)."),
    (
        "RS-004",
        "MUST",
        "Later `run_created` ⇒ `EntityConflictError`; resilient data on an existing run changes nothing.",
    ),
    (
        "RS-005",
        "MUST",
        "`run_created` ∥ resilient `run_started` (or N × the latter) ⇒ one `run_created`, run ends running.",
    ),
    (
        "RS-006",
        "MUST",
        "A preload with `hasMore ≠ true` equals ascending `events.list` through that `run_started`.",
    ),
    ("STEP-001", "MUST", "`step_created` ⇒ step pending, attempt 0, stepName, input byte-exact."),
    (
        "STEP-002",
        "MUST",
        "Duplicate `step_created` (also concurrent): one succeeds, rest ⇒ `EntityConflictError`.",
    ),
    (
        "STEP-003",
        "MUST",
        "`attempt` = accepted `step_started` count (also concurrent); first sets `startedAt`; each clears `retryAfter`.",
    ),
    (
        "STEP-004",
        "MUST",
        "`step_started` before `retryAfter` ⇒ `TooEarlyError`, `retryAfter` ≈ remaining seconds (ceil).",
    ),
    (
        "STEP-005",
        "MUST",
        "`step_retrying` ⇒ pending, `error` set, `retryAfter` = sent value or cleared; attempt kept.",
    ),
    ("STEP-006", "MUST", "`step_completed` ⇒ completed, `output` = result byte-exact, `completedAt`."),
    (
        "STEP-007",
        "MUST",
        "`step_failed` ⇒ failed, `error.message` from string/`.message`, `error.stack` = `eventData.stack`.",
    ),
    (
        "STEP-008",
        "MUST",
        "Any event on a completed/failed step ⇒ `EntityConflictError`; N concurrent terminal events: one wins.",
    ),
    ("STEP-009", "MUST", "Started/completed/failed/retrying for an unknown stepId ⇒ `WorkflowWorldError`."),
    (
        "STEP-010",
        "MUST",
        "Terminal run: start of a pending step ⇒ `RunExpiredError`; running steps can complete or fail.",
    ),
    ("STEP-011", "MUST", "`steps.get` finds a step with or without runId; unknown ⇒ rejected."),
    ("STEP-012", "MUST", "Per stepId: one `step_created`, first; at most one completed/failed, last."),
    (
        "STEP-013",
        "MUST",
        "`steps.list` = one step per `step_created`, each with the status its events fold to.",
    ),
    (
        "HOOK-001",
        "MUST",
        "`hook_created` returns the hook (metadata byte-exact, isWebhook as sent); `get`/`getByToken` find it.",
    ),
    (
        "HOOK-002",
        "MUST",
        "Token held by another live hook ⇒ stored `hook_conflict {token, conflictingRunId}`, no hook, no throw.",
    ),
    (
        "HOOK-003",
        "MUST",
        "N concurrent `hook_created`, one token, different runs: one `hook_created`, rest `hook_conflict`.",
    ),
    (
        "HOOK-004",
        "MUST",
        "`hook_created` for an existing or disposed `(runId, hookId)` ⇒ `EntityConflictError`.",
    ),
    (
        "HOOK-005",
        "MUST",
        "`hook_received` appends the payload byte-exact, returns `{event}`, hook unchanged.",
    ),
    ("HOOK-006", "MUST", "Received/disposed on an unknown or disposed hook ⇒ `HookNotFoundError`."),
    ("HOOK-007", "MUST", "`hook_disposed` deletes the hook, frees its token; N concurrent: one succeeds."),
    ("HOOK-008", "MUST", "A terminal run has no hooks; their tokens are reusable."),
    ("HOOK-009", "MUST", "`hooks.get`/`getByToken` miss ⇒ `HookNotFoundError`."),
    ("HOOK-010", "MUST", "No `hook_received` after the same hook's `hook_disposed`, even racing."),
    ("WAIT-001", "MUST", '`wait_created` ⇒ wait `"<runId>-<correlationId>"`, waiting, `resumeAt` as sent.'),
    (
        "WAIT-002",
        "MUST",
        "Duplicate `wait_created` (also concurrent): one succeeds, rest ⇒ `EntityConflictError`.",
    ),
    (
        "WAIT-003",
        "MUST",
        "`wait_completed` ⇒ completed; again or concurrent ⇒ `EntityConflictError`; one event per wait.",
    ),
    ("WAIT-004", "MUST", "`wait_completed` for an unknown wait ⇒ `WorkflowWorldError`."),
    ("WAIT-005", "MUST", "A wait's `resumeAt` stays its `wait_created` value."),
    (
        "TERM-001",
        "MUST",
        "Terminal run: `step_created`/`hook_created`/`wait_created` ⇒ `EntityConflictError`.",
    ),
    (
        "TERM-002",
        "MUST",
        "After a terminal run event only step events and repeated `run_cancelled` are appended.",
    ),
    ("TERM-003", "MUST", "A terminal run has no waits and gets no `wait_completed` for them."),
    ("TERM-004", "SHOULD", "After a terminal run event only completed/failed of running steps are accepted."),
    (
        "EVT-001",
        "MUST",
        "Each event has runId, eventType, Date `createdAt`, eventId `<prefix>_<ULID>` unique in its run.",
    ),
    (
        "EVT-002",
        "MUST",
        "`events.list` asc = append order (eventId up, createdAt non-decreasing); desc = exact reverse.",
    ),
    ("EVT-003", "MUST", "`events.get` equals the listed event; unknown eventId ⇒ rejected."),
    ("EVT-004", "MUST", "A rejected create appends nothing and changes no entity."),
    (
        "EVT-005",
        "MUST",
        "`resolveData:'none'` strips exactly `EVENT_DATA_REF_FIELDS`; emptied eventData is dropped.",
    ),
    ("EVT-006", "MUST", "`EventResult.event` honours `params.resolveData`."),
    (
        "EVT-007",
        "MUST",
        "`listByCorrelationId({correlationId, runId})` = that entity's events in that run, ascending.",
    ),
    ("EVT-008", "MUST", "Unknown eventType, or a non-`run_created` without runId ⇒ rejected."),
    ("EVT-009", "MUST", "Events appended after a page appear when listing from its cursor."),
    ("EVT-010", "MUST", "An eventId's ULID time is close to its `createdAt`."),
    (
        "EVT-011",
        "MUST",
        "Stored event echoes type, correlationId, eventData (`run_started`: none); specVersion = sent or 3.",
    ),
    ("LEG-001", "MUST", "`world.specVersion`, if set, is 2 or 3."),
    ("LEG-002", "MUST", "A run-reading event on a newer run ⇒ `RunNotSupportedError` with both versions."),
    (
        "LEG-003",
        "MUST",
        "Runs stored with specVersion absent/≤ 1 (whatever `v1Compat` says) follow §6.2: cancel (deleting their hooks), unchecked received/wait_completed, rest refused.",
    ),
    ("LEG-004", "MUST", "`run_created` at `specVersion: 1` keeps a JSON input as JSON, not bytes."),
    (
        "LEG-005",
        "MUST",
        "Falsy legacy JSON (`0`, `false`, `''`, `null`, `[]`, `{}`) round-trips in every payload field.",
    ),
    (
        "LEG-006",
        "MUST",
        "Reads fall back to legacy JSON only when the byte representation is absent, never when falsy.",
    ),
    ("LEG-007", "MAY", "(`legacy-codec`) Every `persisted-codec.json` vector decodes to its value."),
    (
        "BIN-001",
        "MUST",
        "All payloads read back identical on every path: bytes (empty, `0x00`, `0xFF`, nested), and the "
        "JSON around them (fractions, NULs, long strings, deep nesting), `error` included.",
    ),
    (
        "BIN-002",
        "MUST",
        "Dates in eventData, and the `resumeAt` of a wait, read back equal (beyond 2038, before 1970).",
    ),
    ("BIN-003", "MUST", "Queue messages deliver nested bytes (`runInput.input`) identical."),
    ("BIN-004", "MUST", "A string is never decoded as bytes; bytes never return as string or array."),
    (
        "LIST-001",
        "MUST",
        "Paging with a fixed limit until `hasMore` is false yields each item once, in order.",
    ),
    ("LIST-002", "MUST", "`hasMore: true` ⇒ non-null cursor, not repeated in the sequence."),
    ("LIST-003", "MUST", "Empty result = `{data: [], cursor: null, hasMore: false}`."),
    ("LIST-004", "MUST", "Defaults: events ascending; runs, steps newest first; hooks oldest first."),
    (
        "LIST-005",
        "MUST",
        "`runs.list` filters status, workflowName; `steps`/`hooks.list({runId})` only that run's.",
    ),
    ("LIST-006", "MUST", "`resolveData:'none'` drops run/step input/output and hook metadata only."),
    ("LIST-007", "MUST", "`limit` 1–1000 is honoured."),
    ("LIST-008", "SHOULD", "Unusable cursor ⇒ `WorkflowWorldError` status 400."),
    (
        "STRM-001",
        "MUST",
        "Info: unwritten `{tailIndex:-1, done:false}`; closed empty `{tailIndex:-1, done:true}`.",
    ),
    ("STRM-002", "MUST", "n writes ⇒ `tailIndex = n−1`; close ⇒ `done`; later writes never visible."),
    (
        "STRM-003",
        "MUST",
        "`readFromStream` yields non-empty chunks byte-exact (strings UTF-8), in order, ends at close.",
    ),
    ("STRM-004", "MUST", "Start `−k` ⇒ from `max(0, n−k)`; start ≥ n on a closed stream ⇒ empty, closed."),
    ("STRM-005", "MUST", "A reader opened before the writes receives them live and ends at close."),
    (
        "STRM-006",
        "MUST",
        "`getStreamChunks` pages join to all chunks (indices from 0); last page: `hasMore:false`, `cursor:null`, `done` = closed.",
    ),
    ("STRM-007", "MUST", "`listStreamsByRunId` lists streams written/closed with that runId; keyed by name."),
    ("Q-001", "MUST", "`queue()` rejects names outside `^__(?:[a-z][a-z0-9]*_)?wkf_(?:workflow|step)_.+$`."),
    (
        "Q-002",
        "MUST",
        "Handler gets a deep-equal payload, `meta` = {attempt from 1, full queueName, returned messageId}.",
    ),
    (
        "Q-003",
        "MUST",
        "`{timeoutSeconds: n}` ⇒ same message and messageId again, `attempt + 1`, not before n s.",
    ),
    ("Q-004", "MUST", "A throwing handler's message is redelivered with `attempt + 1`."),
    ("Q-005", "MUST", "While key k's message is unhandled, more `queue()` calls with k add no delivery."),
    ("Q-006", "MAY", "(`delay`) `delaySeconds: d` ⇒ no delivery before d s."),
    ("Q-007", "MUST", "A health check queued with `specVersion: 1` reaches its prefix's handler."),
    (
        "ERR-001",
        "MUST",
        "Errors carry the exact `@workflow/errors` names; a World never raises `HookConflictError`.",
    ),
    ("ERR-002", "MUST", "`TooEarlyError`/`ThrottleError` `retryAfter` is a number of seconds."),
    (
        "ERR-003",
        "MAY",
        "(`state-guard`) `stateUpdatedAt < marker` ⇒ 412; equal passes; only external events move the marker.",
    ),
    (
        "LIN-001",
        "MUST",
        "Random sequences of creates, reads and listings agree with the oracle at the World's spec version: results, errors (by name), entities and logs (slot event ids included), minted ids normalised.",
    ),
    (
        "LIN-002",
        "MUST",
        "N × `run_created` with one runId is linearizable: one succeeds, the rest ⇒ `EntityConflictError`, one `run_created` logged.",
    ),
    (
        "LIN-003",
        "MUST",
        "`step_completed` ∥ `step_failed` on one step is linearizable: one terminal event, the rest ⇒ `EntityConflictError`.",
    ),
    (
        "LIN-004",
        "MUST",
        "Paging `events.list` while events are appended yields every event that existed when paging began once, in order.",
    ),
    (
        "LIN-005",
        "MUST",
        "`run_cancelled` ∥ `run_completed` ∥ `step_completed` on one run is linearizable: one run transition.",
    ),
    (
        "LIN-006",
        "MUST",
        "(`multi-process`) The races of §8 stay linearizable when the racing calls come from separate OS processes.",
    ),
    (
        "LIN-007",
        "MUST",
        "Every pair of run transitions (`run_created`, plain and resilient `run_started`, the three endings) raced on one run, in every state it can meet them, is linearizable, on either line (on 5.x with that line's rules, and slots 1…n in order).",
    ),
    (
        "LIN-008",
        "MUST",
        "Every pair of step transitions (on 5.x the lazy `step_started` too), and each run ending against each step transition the contract binds after an ending, raced on one step in every state, is linearizable, on either line.",
    ),
    (
        "LIN-009",
        "MUST",
        "Every pair of hook transitions (one hook id, one token wanted by two runs, `hook_received`, `hook_disposed`, run endings) raced in every hook state is linearizable, on either line.",
    ),
    (
        "LIN-010",
        "MUST",
        "Every pair of wait transitions, and each run ending against each, raced on one wait in every state it can meet them, is linearizable, on either line.",
    ),
    (
        "FAULT-001",
        "MUST",
        "(`faults`) Every create acknowledged before a crash is in its run's log exactly once after the restart.",
    ),
    (
        "FAULT-002",
        "MUST",
        "(`faults`) A call in flight at a crash is atomic: after the restart all of its effects are there or none.",
    ),
    (
        "FAULT-003",
        "MUST",
        "(`faults`) After a crash and restart, every run, step, hook and wait equals what its log implies.",
    ),
    (
        "FAULT-004",
        "MUST",
        "(`faults`) A World answers again after its process restarts or its connections drop; a call refused "
        "during the fault gets an error the runtime retries (§3), never a wrong answer.",
    ),
    (
        "COPY-001",
        "MUST",
        "Changing, after a call, any object a caller sent or received changes nothing the World stores or later returns.",
    ),
    (
        "COH-001",
        "MUST",
        "Every run (current and legacy), step, hook and event a list returns equals what `get` returns for it, with `resolveData` `all` and `none`.",
    ),
    (
        "COH-002",
        "MUST",
        "Each mutation of a run, step or wait sets its `updatedAt` to the time of that mutation (exactly, on the kit's clock) "
        "and leaves its `createdAt`, and a `startedAt` once set, unchanged; the `startedAt` or `completedAt` it sets, "
        "and a hook's `createdAt`, are that time too.",
    ),
    (
        "COH-003",
        "MUST",
        "A step, hook or wait has the `specVersion` of the event that created it (sent, else 3 on the 4.x line and D on the 5.x line), not the run's.",
    ),
    (
        "COH-004",
        "MUST",
        "Every list method honours `limit` and its cursors over more items than any default page size.",
    ),
    (
        "COH-005",
        "SHOULD",
        "A `run_started` preload honours `resolveData`: with `'none'` it equals `events.list` with `'none'`.",
    ),
    (
        "COH-006",
        "MAY",
        "(`occurred-at`) A create's `params.occurredAt` is stored: the result and every read of the event "
        "show it as `occurredAt`, and `createdAt` is still the time of the write.",
    ),
    (
        "COH-007",
        "MUST",
        "Paging `runs.list`, `steps.list` or `hooks.list` while items are created, end or are disposed between pages "
        "lists every item that stayed in the listing once, in order, and no item twice.",
    ),
    (
        "STATUS-001",
        "SHOULD",
        "A malformed create (an unknown `eventType`, a client-sent `hook_conflict`, an event other than "
        "`run_created` without a runId) is refused with `WorkflowWorldError` status 400.",
    ),
    (
        "STATUS-002",
        "SHOULD",
        "A `steps.get` or `events.get` of an id the run does not hold is refused with `WorkflowWorldError` status 404.",
    ),
)

BOTH_LINES: Final = frozenset(SpecLine)

REPLACED_ON_LINE_5: Final[dict[str, str | None]] = {
    "RUN-005": "RUN-101",
    "RUN-010": "RUN-102",
    "RS-003": "RS-101",
    "STEP-007": "STEP-101",
    "STEP-009": "STEP-103",
    "STEP-010": "STEP-104",
    "STEP-011": "STEP-105",
    "HOOK-008": "HOOK-101",
    "TERM-002": "TERM-101",
    "EVT-001": "SLOT-001",
    "EVT-002": "EVT-101",
    "EVT-010": "EVT-102",
    "EVT-011": "EVT-103",
    "LEG-001": "LEG-101",
    "Q-001": "Q-101",
    "ERR-003": None,
}
"""The base invariants that do not hold for spec 6 and above (world-contract-v7.md §13-v7(b)),
each with the 5.x invariant that replaces it (``None``: withdrawn, ``state-guard`` is gone)."""


def _base(ident: str, level: Level, statement: str) -> Invariant:
    family = FAMILIES[ident.split("-")[0]]
    if ident in REPLACED_ON_LINE_5:
        return Invariant(
            ident,
            level,
            statement,
            family,
            lines=frozenset({SpecLine.LINE_4}),
            replaced_by=REPLACED_ON_LINE_5[ident],
        )
    return Invariant(ident, level, statement, family)


INVARIANTS: Final[dict[str, Invariant]] = {
    **{ident: _base(ident, level, statement) for ident, level, statement in _TABLE},
    **{
        ident: Invariant(
            ident, level, statement, FAMILIES[ident.split("-")[0]], lines=frozenset({SpecLine.LINE_5})
        )
        for ident, level, statement in LINE_5_TABLE
    },
}
"""Every invariant, by ID, in catalogue order: the base table, then the 5.x line's own."""


def invariants_of_line(line: SpecLine) -> dict[str, Invariant]:
    """The invariants that judge a World on ``line``, by ID, in catalogue order."""
    return {ident: entry for ident, entry in INVARIANTS.items() if entry.applies_to(line)}


def invariant_by_id(ident: str) -> Invariant:
    """The invariant ``ident``; ``KeyError`` naming the ID if the catalogue has none."""
    try:
        return INVARIANTS[ident]
    except KeyError:
        raise KeyError(f"no invariant {ident!r} in the catalogue") from None
