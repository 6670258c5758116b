"""The invariants of the 5.x line only (spec versions 6 and 7), by stable ID.

From §13-v7(b) and (c) of shared/spec/world-contract-v7.md, restated briefly: (b) the
invariants that take the place of base invariants for spec 6 and above, (c) the new ones. The
IDs are the spec's, never reused; ``conformance.catalogue.entries`` joins them to the base table
as ``lines = {5.x}``. The families that only this line has are ``LINE_5_FAMILIES``; sections
marked "v7" are world-contract-v7.md's.
"""

from __future__ import annotations

from typing import Final, Literal

__all__ = ["LINE_5_FAMILIES", "LINE_5_TABLE"]

LINE_5_FAMILIES: Final[tuple[tuple[str, str, str, str], ...]] = (
    ("SLOT", "slots", "event identity: slots", "v7 §2.6, §2.7, §5.4"),
    ("PAGE", "event_pages", "event pages on write results", "v7 §5.4"),
    ("LAZY", "lazy_start", "lazy step start", "v7 §4.3"),
    ("HRET", "hook_retention", "hook retention", "v7 §4.4"),
    ("DEDUP", "resume_dedup", "hook resume dedup", "v7 §4.4"),
    ("ATTR", "attributes", "run attributes", "v7 §4.7"),
    ("RET", "retention", "data retention", "v7 §12"),
    ("OPT", "optional_members", "optional members and capabilities", "v7 §12"),
)
"""``(prefix, marker, title, sections)`` of each family only the 5.x line has."""

_Level = Literal["MUST", "SHOULD", "MAY"]

LINE_5_TABLE: Final[tuple[tuple[str, _Level, str], ...]] = (
    # (b) replacements of base invariants
    (
        "RUN-101",
        "MUST",
        "A created run repeats the deploymentId, workflowName, executionContext, attributes (`{}` when "
        "none), encryptionPublicKey and specVersion (else the World's default, 6 or 7) that `run_created` "
        "sent; its input is byte-identical.",
    ),
    (
        "RUN-102",
        "MUST",
        "`run_failed` makes the run failed with `completedAt`; `run.error` is the sent `eventData.error` "
        "byte for byte and `run.errorCode` the sent `errorCode`.",
    ),
    (
        "RS-101",
        "MUST",
        "A resilient start gives the run and its `run_created` the event's specVersion, or the World's "
        "default (6 or 7) when the event has none.",
    ),
    (
        "STEP-101",
        "MUST",
        "`step_failed` makes the step failed with `completedAt`; `step.error` is the sent `eventData.error` "
        "byte for byte.",
    ),
    (
        "STEP-103",
        "MUST",
        "A bare `step_started`, or `step_completed`, `step_failed`, `step_retrying`, naming a "
        "`(runId, stepId)` the World does not know ⇒ `WorkflowWorldError`.",
    ),
    (
        "STEP-104",
        "MUST",
        "Once the run is terminal, a bare `step_started` ⇒ `RunExpiredError` whatever the step's status, "
        "while a running step may still complete or fail.",
    ),
    (
        "STEP-105",
        "MUST",
        "`steps.get(runId, stepId)` returns the step; a `(runId, stepId)` the World does not know is "
        "rejected.",
    ),
    (
        "HOOK-101",
        "MUST",
        "When its run ends, every hook but the retained ones is gone and their tokens can be used again.",
    ),
    (
        "TERM-101",
        "MUST",
        "After a terminal run event the log only grows by `step_completed`, `step_failed`, `step_retrying`, "
        "another `run_cancelled`, `hook_disposed` of a retained hook (`hookRetention`) and `noop` "
        "(`sealed-log`).",
    ),
    (
        "SLOT-001",
        "MUST",
        "Every event has runId, eventType, a Date `createdAt` and an eventId of the form "
        "`^evnt_0{10}[0-9]{16}$` (slot 1 or more), no two alike in one run.",
    ),
    (
        "EVT-101",
        "MUST",
        "Ascending `events.list` is slot order and descending is exactly its reverse; `createdAt` may go "
        "backwards.",
    ),
    (
        "EVT-102",
        "MUST",
        "A created event's `createdAt` falls inside the wall-clock span of the create call, give or take "
        "the World's clock skew.",
    ),
    (
        "EVT-103",
        "MUST",
        "The stored event repeats the sent type, correlationId and eventData (none for `run_started`, no "
        "`input` on a lazy `step_started`, latency fields optional); its specVersion is the sent one or "
        "the World's default.",
    ),
    ("LEG-101", "MUST", "`world.specVersion` exists and is 6 or 7."),
    (
        "Q-101",
        "MUST",
        "`queue()` refuses every name that does not match `^__(?:[a-z][a-z0-9]*_)?wkf_workflow_.+$`, step "
        "queue names (`__wkf_step_…`) included.",
    ),
    # (c) SLOT: event identity
    (
        "SLOT-002",
        "MUST",
        "A run's events fill slots 1 to n with no gap: position k of ascending `events.list` holds slot k, "
        "and slot 1 is `run_created`.",
    ),
    (
        "SLOT-003",
        "MUST",
        "A refused create takes no slot: the next accepted create of the run gets the next one (with a "
        "sealed log, a `noop` may fill it instead).",
    ),
    (
        "SLOT-004",
        "MUST",
        "Concurrent creates on one run commit at distinct, consecutive slots; none is refused for its "
        "position.",
    ),
    (
        "SLOT-005",
        "MUST",
        "A create whose `eventCount` is out of date still commits, at the next free slot, unless an entity "
        "rule refuses it.",
    ),
    (
        "SLOT-006",
        "MUST",
        "With `eventCount: n` and no `sinceCursor`, a create committed at slot c > n+1 reports slots n+1 to "
        "c−1 in order with `hasMore:false`, or a slot-ordered part of them with `hasMore:true`.",
    ),
    (
        "SLOT-007",
        "MUST",
        "A report of skipped slots holds events of this run only, all below the slot just committed.",
    ),
    (
        "SLOT-008",
        "MUST",
        "No read running beside writes (page, get, preload, delta, report) shows a slot while a lower slot "
        "of the same run is still empty.",
    ),
    (
        "SLOT-009",
        "MUST",
        "The same slot id exists in many runs: `events.get(runId, eventId)` returns the event of that run.",
    ),
    (
        "SLOT-010",
        "MUST",
        "A run's event ids are all slots or all ULIDs, legacy events included; a run stored with ULID ids "
        "keeps them.",
    ),
    (
        "SLOT-011",
        "MUST",
        "A client that sends `noop` gets `WorkflowWorldError`; nothing is stored and no slot is used.",
    ),
    (
        "SLOT-012",
        "MUST",
        "`noop` events occur only in runs at specVersion 7 or more, have no correlationId and change no "
        "entity.",
    ),
    (
        "SLOT-013",
        "MAY",
        "(`sealed-log`) A position handed out to a writer that died is filled with `noop` before any read "
        "goes past it.",
    ),
    # (c) EVT: event log
    ("EVT-104", "MUST", "A client that sends `hook_conflict` gets `WorkflowWorldError`; nothing is stored."),
    (
        "EVT-105",
        "MUST",
        "Members of `CreateEventParams` the World does not know are ignored, and `replayDivergenceCount` "
        "is never stored.",
    ),
    (
        "EVT-106",
        "SHOULD",
        "A request that breaks the schema (such as a `cancelReason` over 512 characters) ⇒ "
        "`WorkflowWorldError` with status 400, and nothing is stored.",
    ),
    # (c) RUN: runs
    (
        "RUN-103",
        "MUST",
        "`run_cancelled` keeps its `cancelReason` on the event, also when read with `resolveData:'none'`.",
    ),
    (
        "RUN-104",
        "MUST",
        "`run_started` on a running run answers with the run (`startedAt` set) and without an `event`.",
    ),
    (
        "RUN-105",
        "MUST",
        "A terminal run never runs again: a `run_started` racing a terminal event either lands before it or "
        "is refused.",
    ),
    # (c) RS: resilient start and preload
    (
        "RS-102",
        "MUST",
        "A resilient start keeps the sent `attributes` and `encryptionPublicKey` on the run and in its "
        "`run_created` eventData.",
    ),
    (
        "RS-103",
        "MUST",
        "A resilient start whose `attributes` are invalid gets the attribute error; no run exists and "
        "nothing is stored.",
    ),
    (
        "RS-104",
        "MUST",
        "A preload with `hasMore:true` is the log from slot 1 up, and its cursor (never null) lets "
        "`events.list` go on with nothing missed or repeated.",
    ),
    # (c) PAGE: event pages on write results
    (
        "PAGE-001",
        "MUST",
        "A `sinceCursor` delta, cursor and hasMore included, is what `events.list({cursor, "
        "sortOrder:'asc'})` returns just after the write, and it contains the event written.",
    ),
    (
        "PAGE-002",
        "MUST",
        "A World that honours `sinceCursor` on `hook_created` honours it too when that create commits "
        "`hook_conflict`.",
    ),
    ("PAGE-003", "MUST", "Given both `sinceCursor` and `eventCount`, the result's `events` is the delta."),
    (
        "PAGE-004",
        "MUST",
        "A `hook_received` with `preloadEvents` whose result has `events` returns the whole log "
        "(`hasMore:false`, a cursor) with this resumeId's event, plus `run.startedAt` and `maxEvents`.",
    ),
    (
        "PAGE-005",
        "SHOULD",
        "The events of preloads, deltas and reports follow `params.resolveData`.",
    ),
    # (c) LAZY: lazy step start
    (
        "LAZY-001",
        "MUST",
        "`step_started` carrying `stepName` and `input` for a step that does not exist answers "
        "`stepCreated: true` with the step running, attempt 1, `startedAt` set and input byte-identical.",
    ),
    (
        "LAZY-002",
        "MUST",
        "That start logs `step_created {stepName, input}` (byte-identical) at a lower slot than its "
        "`step_started` and at the start's `specVersion`; the `step_started` is stored without `input`.",
    ),
    (
        "LAZY-003",
        "MUST",
        "A lazy `step_started` for a step that exists, in any status ⇒ `EntityConflictError`; nothing is "
        "stored and the attempt does not change.",
    ),
    (
        "LAZY-004",
        "MUST",
        "Of N concurrent lazy starts of one stepId exactly one gets `stepCreated: true` and the others "
        "`EntityConflictError`; one `step_created` is logged.",
    ),
    (
        "LAZY-005",
        "MUST",
        "A lazy `step_started` on a terminal run ⇒ `EntityConflictError`; nothing is stored.",
    ),
    (
        "LAZY-006",
        "MUST",
        "Only the result of a lazy start that created its step carries `stepCreated`.",
    ),
    (
        "LAZY-007",
        "MUST",
        "A lazy `step_started` racing `step_created` for one stepId: one of them creates the step, the "
        "other ⇒ `EntityConflictError`.",
    ),
    # (c) STEP: steps
    (
        "STEP-102",
        "MUST",
        "`step_retrying` sets `step.error` to the sent `eventData.error` byte for byte; the newest error "
        "replaces the older.",
    ),
    (
        "STEP-106",
        "MUST",
        "A stepId or waitId used in one run can be used again in another; the two runs keep their own "
        "entities and events.",
    ),
    ("STEP-107", "MUST", "Every accepted `step_started` answers with a step that has `startedAt`."),
    # (c) HOOK: hooks
    (
        "HOOK-102",
        "MUST",
        "`hook_created` keeps the sent `isWebhook`, `isSystem` and `tokenRetentionUntil` on the event and on "
        "the hook.",
    ),
    (
        "HOOK-103",
        "MUST",
        "`hook_received` on a terminal run ⇒ `HookNotFoundError` or `RunExpiredError`, never "
        "`EntityConflictError`; nothing is stored.",
    ),
    (
        "HOOK-104",
        "MUST",
        "`hook_received` or `hook_disposed` naming a hook of another run ⇒ `HookNotFoundError`; nothing is "
        "stored and that hook does not change.",
    ),
    (
        "HOOK-105",
        "MUST",
        "A `hook_received` racing a terminal run event is logged before it or refused, never after it.",
    ),
    # (c) HRET: hook retention
    (
        "HRET-001",
        "MAY",
        "(`hookRetention`) A hook whose `tokenRetentionUntil` is still ahead survives its run's end: `get`, "
        "`getByToken` and `list` still return it.",
    ),
    (
        "HRET-002",
        "MAY",
        "(`hookRetention`) Its token stays taken: `hook_created` with it logs `hook_conflict` naming the "
        "retained hook's runId.",
    ),
    (
        "HRET-003",
        "MAY",
        "(`hookRetention`) Once `tokenRetentionUntil` has passed the retained hook is gone "
        "(`HookNotFoundError`) and its token is free.",
    ),
    (
        "HRET-004",
        "MAY",
        "(`hookRetention`) `hook_disposed` on a retained hook deletes it and frees its token, or ⇒ "
        "`HookNotFoundError`.",
    ),
    (
        "HRET-005",
        "MAY",
        "(`hookRetention`) The hook of a run still live keeps its token after its `tokenRetentionUntil`.",
    ),
    (
        "HRET-006",
        "MAY",
        "(`hookRetention`) A retention longer than the World allows ⇒ `WorkflowWorldError` with status 400; "
        "nothing is stored.",
    ),
    # (c) DEDUP: hook resume dedup
    (
        "DEDUP-001",
        "MAY",
        "(`hookResumeDedup`) `hook_received` sent again with the same `resumeId`, concurrently too, is "
        "logged once and every call answers with that event.",
    ),
    (
        "DEDUP-002",
        "MAY",
        "(`hookResumeDedup`) That event shows its `resumeId` in `events.list`, `events.get` and "
        "`events.listByCorrelationId`.",
    ),
    (
        "DEDUP-003",
        "MAY",
        "(`hookResumeDedup`) A known `resumeId` sent with another hookId or digest is refused, not with "
        "`HookNotFoundError`; nothing is stored.",
    ),
    # (c) ATTR: attributes
    (
        "ATTR-001",
        "MUST",
        "The `attributes` of `run_created` become `run.attributes` (`{}` when absent), and the event keeps "
        "them.",
    ),
    (
        "ATTR-002",
        "MUST",
        "`attr_set` sets string values, removes keys set to `null`, leaves other keys alone and answers "
        "`{event, run}` with the merged attributes, which `runs.get` then shows.",
    ),
    (
        "ATTR-003",
        "MUST",
        "`run.attributes` is `run_created`'s attributes with every `attr_set` applied in slot order.",
    ),
    (
        "ATTR-004",
        "MUST",
        "A key starting with `$` without `allowReservedAttributes: true` ⇒ `AttributeValidationError` or "
        "`WorkflowWorldError` with status 400; nothing is stored.",
    ),
    (
        "ATTR-005",
        "MUST",
        "An empty key, a key over 256 characters, a value over 256 UTF-8 bytes, a key given twice, or more "
        "than 64 keys once merged ⇒ the same error; nothing is stored.",
    ),
    (
        "ATTR-006",
        "MUST",
        "A second `attr_set` from the `workflow` writer with the same correlationId, concurrent or not ⇒ "
        "`EntityConflictError`; the attributes do not change.",
    ),
    ("ATTR-007", "MUST", "`attr_set` from a `step` writer is never deduplicated: every one is appended."),
    (
        "ATTR-008",
        "MUST",
        "`attr_set` on a missing run ⇒ `WorkflowRunNotFoundError`, on a terminal run ⇒ "
        "`EntityConflictError`; nothing is stored.",
    ),
    (
        "ATTR-009",
        "MUST",
        "An `attr_set` refused as invalid does not use up its correlationId: a valid retry with it succeeds.",
    ),
    # (c) RET: data retention
    (
        "RET-001",
        "MAY",
        "(`retention`) When a run with `$retention: '0'` ends it loses input, output and error and gets an "
        "`expiredAt` no later than now; `runs.get` still returns it with its status.",
    ),
    (
        "RET-002",
        "MAY",
        "(`retention`) Its steps' payloads, its events' ref fields and its retained hooks' metadata are "
        "gone, while its entities and events can still be listed.",
    ),
    ("RET-003", "MAY", "(`retention`) Any `$retention` other than exactly `'0'` keeps every payload."),
    (
        "RET-004",
        "MAY",
        "(`retention`) Its streams then read as empty and closed, or ⇒ `StreamExpiredError`.",
    ),
    # (c) LEG: spec versions, older runs
    (
        "LEG-102",
        "MUST",
        "A World declaring 6 accepts a `run_created` at specVersion 7 and serves that run.",
    ),
    (
        "LEG-103",
        "MUST",
        "`run_created` at any specVersion from 1 to 7 is accepted, and the run keeps that version.",
    ),
    (
        "LEG-104",
        "SHOULD",
        "`run_created` or a resilient `run_started` asking for a specVersion above 7 ⇒ "
        "`RunNotSupportedError`.",
    ),
    (
        "LEG-105",
        "MUST",
        "A run stored by a World at spec 5 or below can still be read and written; its version and event "
        "ids are never rewritten.",
    ),
    (
        "LEG-106",
        "MUST",
        "A StructuredError that a 4.x World stored as a run's or step's `error` reads back unchanged or "
        "not at all.",
    ),
    # (c) BIN: binary fidelity
    (
        "BIN-101",
        "MUST",
        "Payloads starting with `devl`, `encr`, `encp`, `gzip` or `zstd` come back byte-identical in every "
        "payload field, the `error` fields included.",
    ),
    (
        "BIN-102",
        "MUST",
        "The bytes of queue payloads `stepInput.input` and `hookInput.payload` reach the handler unchanged, "
        "as bytes.",
    ),
    # (c) LIST: listing
    (
        "LIST-101",
        "MUST",
        "`runs.list({status: [...]})` returns the runs in any of the listed statuses; `status: []` returns "
        "none.",
    ),
    (
        "LIST-102",
        "MUST",
        "`listByCorrelationId({runId, correlationId})` returns only that run's events, also when another "
        "run uses the same correlationId.",
    ),
    (
        "LIST-103",
        "SHOULD",
        "`events.list` without `limit` returns all remaining events with `hasMore:false`.",
    ),
    # (c) STRM: streams
    (
        "STRM-101",
        "MUST",
        "`world.streams` has `write`, `close`, `get`, `list`, `getChunks` and `getInfo`, and each takes "
        "`runId` as its first argument.",
    ),
    (
        "STRM-102",
        "MAY",
        "(`writeMulti`) `streams.writeMulti` has the same effect as writing its chunks one by one, in order.",
    ),
    (
        "STRM-103",
        "MAY",
        "(`createWriteSession`) A session's writes land in call order; `close()` closes the stream after "
        "them and `dispose()` leaves it open.",
    ),
    # (c) Q: queue
    (
        "Q-102",
        "SHOULD",
        "Every delivery of a message, redeliveries after a throw included, has the same `meta.messageId`.",
    ),
    (
        "Q-103",
        "MUST",
        "Workflow payloads with the 5.x fields (`stepId`, `stepName`, `stepInput`, `runContext`, "
        "`hookInput`, `waitContinuation`, `invoke`, `requestId`, `input`) and health checks with `runId` "
        "reach the handler deep-equal.",
    ),
    (
        "Q-104",
        "MAY",
        "(`queueBatch`) One result per message, in input order; a failing entry is reported in its result, "
        "not thrown.",
    ),
    (
        "Q-105",
        "MAY",
        "(`invoke`) `invoke(runId, p)` gives the handler `{runId, invoke: true, requestId, input: p}` and "
        "resolves with what it returns or rethrows what it throws.",
    ),
    # (c) OPT: optional members and capabilities
    (
        "OPT-001",
        "MUST",
        "Each `capabilities` member present has its documented type: `hookRetention` is `{active: "
        "boolean}`, the others are booleans.",
    ),
    (
        "OPT-002",
        "MAY",
        "(`waitForTerminalStatus`) Resolves with the run once it is terminal, and after about `timeoutMs` "
        "with the latest snapshot, never with an error; a missing run ⇒ `WorkflowRunNotFoundError`.",
    ),
    (
        "OPT-003",
        "MAY",
        "(`getMany`) Returns the runs in the order of the ids asked for, with `null` for missing ones.",
    ),
    (
        "OPT-004",
        "MAY",
        "(`cancelMany`) One outcome per id in request order plus a summary that counts them; every "
        "cancellation logs `run_cancelled` with the `cancelReason`.",
    ),
    (
        "OPT-005",
        "MAY",
        "(`cancelMany`) No ids or more than 500, a repeated id, or a `cancelReason` over 512 characters ⇒ "
        "refused before any run changes.",
    ),
    (
        "OPT-006",
        "MAY",
        "(`createBatch`) The accepted events commit at consecutive slots in request order; each result is "
        "what a single create would have answered; refused events leave nothing.",
    ),
    (
        "OPT-007",
        "MAY",
        "(`createBatch`) A type a batch cannot hold, or two events for one entity (except `step_created` "
        "then a payload-free `step_started`) ⇒ the whole request is refused and nothing is stored.",
    ),
    (
        "OPT-008",
        "MAY",
        "(`experimentalSetAttributes`) Validates and merges as `attr_set` does, answers `{attributes}`, and "
        "appends no event.",
    ),
    (
        "OPT-009",
        "MAY",
        "(`createRunId`) Returns a bare ULID that `run_created` accepts as `wrun_<id>`.",
    ),
    ("OPT-010", "MAY", "(`max-events`) `maxEvents` on `run_started` results is a positive integer."),
    # (c) ERR: errors
    (
        "ERR-101",
        "MUST",
        "`RunExpiredError` has status 410; `StreamExpiredError` has status 410, `runId`, `streamId` and "
        "`expiredAt`.",
    ),
    (
        "ERR-102",
        "SHOULD",
        "A passing failure is a `ThrottleError`, or a `WorkflowWorldError` with status 500 or more or with "
        "code `TRANSPORT` or `TIMEOUT`.",
    ),
)
"""``(id, level, statement)`` of every invariant of the 5.x line only, in the spec's order."""
