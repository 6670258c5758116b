"""Legacy data (§6): spec-1 runs hold plain JSON, and falsy JSON survives every read path."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from conformance.catalogue.marker import invariant
from conformance.checks import make, values
from conformance.checks.backdoor import backdoor, encoded_payload_seeding, legacy_hook_seeding
from conformance.checks.expect import fail, raises, rejects, returns
from conformance.checks.reads import WHOLE_PAGE, all_events, run_of
from conformance.checks.scenarios import event_in, pending_run, run_in
from conformance.reporting.records import Evidence
from conformance.world.capabilities import capabilities_of
from conformance.world.spec_line import highest_version
from worldspec import errors, wire
from worldspec.backdoor import LegacyHookSeeding
from worldspec.capabilities import Capability
from worldspec.events import CreateEventParams, EventRequest, event_data_of
from worldspec.lines import LINE_5_VERSIONS, SpecLine
from worldspec.pagination import PaginationOptions
from worldspec.protocol import World
from worldspec.spec_version import SPEC_VERSION_CURRENT
from worldspec.ulid import MonotonicUlid
from worldspec.wire_types import MISSING

FALSY_JSON: tuple[Any, ...] = (0, False, "", None, [], {})
"""Values a truthiness check would mistake for 'absent'."""


async def _read_paths(world: World, run_id: str, event_id: str, correlation_id: str | None) -> dict[str, Any]:
    """The eventData of one event, as each read path returns it."""
    paths: dict[str, Any] = {}
    single = await returns(world.events.get(run_id, event_id), "events.get")
    paths["events.get"] = event_data_of(single)
    listed = [e for e in await all_events(world, run_id) if e.event_id == event_id]
    paths["events.list"] = event_data_of(listed[0]) if listed else "<not listed>"
    if correlation_id is not None:
        by_id = await returns(
            world.events.list_by_correlation_id(correlation_id, run_id=run_id, pagination=WHOLE_PAGE),
            "list_by_correlation_id",
        )
        found = [e for e in by_id.data if e.event_id == event_id]
        paths["events.list_by_correlation_id"] = event_data_of(found[0]) if found else "<not listed>"
    return paths


def _field(event_data: dict[str, Any] | str | None, name: str) -> Any:
    if not isinstance(event_data, dict):
        return event_data
    return event_data.get(name, MISSING)


@invariant("LEG-004")
async def test_spec1_run_keeps_json_input(world: World) -> None:
    """``run_created`` at ``specVersion: 1`` makes a legacy run whose JSON input is kept as
    JSON (not bytes), in the run and in its ``run_created`` event (events.get, events.list):
    nasty and long strings, NULs, fractions, deep nesting and empty values all as sent
    (numbers compared as JavaScript's)."""
    sent = {"order": [1, "two", None], "flag": True, "nested": {"x": 1.5}, **values.json_payload()}
    created = await returns(
        world.events.create(None, make.run_created(input=sent, spec_version=1)),
        "run_created at specVersion 1",
    )
    run = await returns(world.runs.get(run_in(created, "run_created", "LEG-004").run_id), "runs.get")
    if (difference := values.first_difference(run.input, sent)) is not None or run.spec_version != 1:
        fail(
            "the run keeps the JSON input and specVersion 1",
            f"returned otherwise: {difference or f'specVersion {run.spec_version!r}'}",
            ("sent", sent),
            ("run", run),
        )
    first = (await all_events(world, run.run_id))[0]
    for path, data in (await _read_paths(world, run.run_id, first.event_id, None)).items():
        if (difference := values.first_difference(_field(data, "input"), sent)) is not None:
            fail(
                f"{path} run_created.eventData.input is the JSON sent",
                f"returned otherwise: {difference}",
                ("sent", sent),
                ("run_created", first),
            )


@invariant("LEG-005")
async def test_falsy_legacy_json_round_trips(world: World) -> None:
    """Falsy JSON (``0``, ``false``, ``''``, ``null``, ``[]``, ``{}``) in a legacy run's input and
    in ``hook_received`` payloads on it comes back as that value, type included, through
    runs.get, events.get, events.list and list_by_correlation_id."""
    for value in FALSY_JSON:
        created = await returns(
            world.events.create(None, make.run_created(input=value, spec_version=1)),
            f"legacy run_created with input {value!r}",
        )
        run_id = run_in(created, "legacy run_created", "LEG-004").run_id
        run = await returns(world.runs.get(run_id), "runs.get")
        if not values.same_value(run.input, value):
            fail(f"runs.get returns input {value!r}", f"returned {run.input!r}", ("run", run))
        first = (await all_events(world, run_id))[0]
        for path, data in (await _read_paths(world, run_id, first.event_id, None)).items():
            if not values.same_value(_field(data, "input"), value):
                fail(
                    f"{path} returns run_created.eventData.input {value!r}",
                    f"returned {_field(data, 'input')!r}",
                )
        hook_id = make.new_id("hook")
        received = await returns(
            world.events.create(run_id, make.hook_received(hook_id, payload=value)),
            "hook_received on a legacy run",
        )
        event_id = event_in(received, "hook_received on a legacy run", "LEG-003").event_id
        for path, data in (await _read_paths(world, run_id, event_id, hook_id)).items():
            if not values.same_value(_field(data, "payload"), value):
                fail(
                    f"{path} returns hook_received.eventData.payload {value!r}",
                    f"returned {_field(data, 'payload')!r}",
                )


@invariant("LEG-006", requires=Capability.LEGACY_SEEDING)
async def test_legacy_fallback_only_when_current_form_absent(world: World) -> None:
    """Runs and events stored in the legacy form (seeded through the World's backdoor, as an
    older version wrote them) read back with every payload intact, falsy values included: the
    World falls back to the legacy form only when the current one is absent, never because a
    value is falsy."""
    door = backdoor(world)
    for value in FALSY_JSON:
        run_id = make.new_id("wrun")
        step_id, hook_id = make.new_id("step"), make.new_id("hook")
        stamp = {"createdAt": 1_700_000_000_000}
        run = {
            "runId": run_id,
            "status": "completed",
            "deploymentId": make.DEPLOYMENT_ID,
            "workflowName": make.workflow_name(),
            "input": value,
            "output": value,
            "createdAt": stamp["createdAt"],
            "updatedAt": stamp["createdAt"],
            "completedAt": stamp["createdAt"],
        }
        seeded = [
            (
                "run_created",
                None,
                {"deploymentId": make.DEPLOYMENT_ID, "workflowName": run["workflowName"], "input": value},
            ),
            ("step_created", step_id, {"stepName": "step//legacy", "input": value}),
            ("step_completed", step_id, {"result": value}),
            ("hook_created", hook_id, {"token": make.token(), "metadata": value}),
            ("hook_received", hook_id, {"payload": value}),
            ("run_completed", None, {"output": value}),
        ]
        events = []
        mint = MonotonicUlid()
        for kind, correlation, data in seeded:
            event = {
                "runId": run_id,
                "eventId": f"evnt_{mint()}",
                "eventType": kind,
                "eventData": data,
                **stamp,
            }
            if correlation:
                event["correlationId"] = correlation
            events.append(event)
        await door.seed_legacy_run(run, events)
        got = await returns(world.runs.get(run_id), "runs.get on a seeded legacy run")
        if not (values.same_value(got.input, value) and values.same_value(got.output, value)):
            fail(f"runs.get returns input and output {value!r}", "returned otherwise", ("run", got))
        for event, (kind, correlation, data) in zip(events, seeded, strict=True):
            (name,) = [key for key in data if key in ("input", "result", "metadata", "payload", "output")]
            for path, read in (await _read_paths(world, run_id, str(event["eventId"]), correlation)).items():
                if not values.same_value(_field(read, name), value):
                    fail(
                        f"{path} returns {kind}.eventData.{name} {value!r}",
                        f"returned {_field(read, name)!r}",
                        ("read", read),
                    )


@invariant("LEG-001")
async def test_world_spec_version_is_2_or_3(world: World) -> None:
    """``world.specVersion``, when the World sets it, is the integer 2 or 3: never a legacy
    version, and never newer than the contract the World implements."""
    version = getattr(world, "spec_version", None)
    if version is not None and (type(version) is not int or version not in (2, SPEC_VERSION_CURRENT)):
        fail("world.specVersion is absent, 2 or 3", f"is {version!r}")


def _seeded_pending_run(spec_version: int | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A stored pending run and its ``run_created``, without payloads, at ``spec_version``
    (``None``: the field is absent), for ``Backdoor.seed_legacy_run``."""
    run_id, stamp = make.new_id("wrun"), 1_700_000_000_000
    data = {"deploymentId": make.DEPLOYMENT_ID, "workflowName": make.workflow_name()}
    run: dict[str, Any] = {
        "runId": run_id,
        "status": "pending",
        "createdAt": stamp,
        "updatedAt": stamp,
        **data,
    }
    created: dict[str, Any] = {"runId": run_id, "eventId": make.new_id("evnt"), "eventType": "run_created"}
    created.update(eventData=data, createdAt=stamp)
    if spec_version is not None:
        run["specVersion"] = created["specVersion"] = spec_version
    return run, [created]


def _run_reading_events() -> list[EventRequest]:
    """Events whose processing loads the run (§4.1 step 5), of every kind."""
    step_id, hook_id, wait_id = make.new_id("step"), make.new_id("hook"), make.new_id("wait")
    return [
        make.run_started(),
        make.run_completed(),
        make.run_failed(),
        make.run_cancelled(),
        make.step_created(step_id),
        make.step_started(step_id),
        make.step_failed(step_id),
        make.hook_created(hook_id, make.token()),
        make.hook_received(hook_id),
        make.hook_disposed(hook_id),
        make.wait_created(wait_id, datetime(2031, 1, 1, tzinfo=UTC)),
        make.wait_completed(wait_id),
    ]


@invariant("LEG-002", requires=Capability.LEGACY_SEEDING)
async def test_newer_run_is_not_supported(world: World, world_line: SpecLine) -> None:
    """Every event that loads the run, on a run stored at a newer specVersion than the line's
    (4 on the 4.x line, 8 on the 5.x line; seeded through the backdoor, as a newer World would
    leave it), raises ``RunNotSupportedError`` carrying that ``runSpecVersion`` and the World's
    own version (on the 5.x line also 7, the highest version every World of the line reads, as
    world-local reports whatever it declares), and appends nothing."""
    newer = highest_version(world_line) + 1
    door = backdoor(world)
    run, log = _seeded_pending_run(newer)
    await door.seed_legacy_run(run, log)
    run_id = str(run["runId"])
    declared = getattr(world, "spec_version", None)
    own_versions = (2, SPEC_VERSION_CURRENT) if world_line is SpecLine.LINE_4 else tuple(LINE_5_VERSIONS)
    own = declared if declared in own_versions else None
    reported = {own} if world_line is SpecLine.LINE_4 else {own, highest_version(world_line)}
    before = await all_events(world, run_id)
    for request in _run_reading_events():
        action = f"{request.event_type} on a specVersion-{newer} run"
        error = await raises(errors.RunNotSupportedError, world.events.create(run_id, request), action)
        versions = (getattr(error, "run_spec_version", None), getattr(error, "world_spec_version", None))
        if own is not None:
            world_ok = versions[1] in reported
        else:
            world_ok = isinstance(versions[1], int) and versions[1] < newer
        if versions[0] != newer or not world_ok:
            shown = " or ".join(str(version) for version in sorted(reported, key=str))
            fail(
                f"{action} raises RunNotSupportedError(runSpecVersion {newer}, "
                f"worldSpecVersion {shown if own is not None else f'< {newer}'})",
                f"raised it with runSpecVersion {versions[0]!r}, worldSpecVersion {versions[1]!r}",
            )
    after = await all_events(world, run_id)
    if [e.to_wire() for e in after] != [e.to_wire() for e in before]:
        fail("the refused events append nothing", "appended some", ("log", after))


def _refused_on_legacy_runs() -> list[EventRequest]:
    """§6.2: every type but run_cancelled, hook_received, wait_completed (and the MAY of
    step_completed/step_retrying) is refused on a legacy run."""
    step_id, hook_id = make.new_id("step"), make.new_id("hook")
    return [
        make.run_started(),
        make.run_completed(),
        make.run_failed(),
        make.step_created(step_id),
        make.step_started(step_id),
        make.step_failed(step_id),
        make.hook_created(hook_id, make.token()),
        make.hook_disposed(hook_id),
        make.wait_created(make.new_id("wait"), datetime(2031, 1, 1, tzinfo=UTC)),
    ]


async def _follows_legacy_rules(world: World, run_id: str, params: CreateEventParams, label: str) -> None:
    """The §6.2 rules hold on ``run_id``, each event sent with ``params``."""
    for request in (make.hook_received(make.new_id("hook")), make.wait_completed(make.new_id("wait"))):
        action = f"{request.event_type} for an entity never created, on {label}"
        result = await returns(world.events.create(run_id, request, params), action)
        logged = [e.event_id for e in await all_events(world, run_id)]
        if result.event is MISSING or result.event.event_id not in logged:
            fail(f"{action} is appended, unchecked", "did not append it", ("result", result))
    for refused in _refused_on_legacy_runs():
        before = await all_events(world, run_id)
        await rejects(
            world.events.create(run_id, refused, params), f"{refused.event_type} on {label}", (Exception,)
        )
        if [e.to_wire() for e in await all_events(world, run_id)] != [e.to_wire() for e in before]:
            fail(f"the refused {refused.event_type} on {label} stores nothing", "stored something")
    for attempt in ("run_cancelled", "a second run_cancelled"):
        action = f"{attempt} on {label}"
        result = await returns(world.events.create(run_id, make.run_cancelled(), params), action)
        if result.run is MISSING or result.run.status != "cancelled":
            fail(f"{action} returns the cancelled run", "returned otherwise", ("result", result))
        logged = [event.event_id for event in await all_events(world, run_id)]
        if result.event is not MISSING and result.event.event_id not in logged:
            fail(
                f"{action} answers with an event only when it stored one (§6.2: storing none, it "
                "answers the run alone)",
                "answered an event the log does not hold",
                ("result", result),
            )
        run = await run_of(world, run_id)
        if run.status != "cancelled":
            fail(f"{attempt} on {label} leaves it cancelled", "left it otherwise", ("run", run))


ENDED_LEGACY_RUNS: tuple[tuple[str, str, Any], ...] = (
    ("completed", "output", {"total": 0, "items": [], "note": ""}),
    ("failed", "error", {"message": "legacy failure"}),
)
"""Ended states a legacy run can be stored in, with the payload field only that state carries."""


async def _ended_legacy_runs_cancel_cleanly(world: World, line: SpecLine) -> None:
    """§6.2 lets ``run_cancelled`` cancel a legacy run whatever its status: a completed or
    failed one becomes cancelled and, as any cancelled run, carries neither ``output`` nor
    ``error``."""
    for status, field, value in ENDED_LEGACY_RUNS:
        run, log = _seeded_pending_run(None)
        run.update(status=status, completedAt=run["createdAt"], startedAt=run["createdAt"], **{field: value})
        await backdoor(world).seed_legacy_run(run, log)
        label = f"a {status} run stored without specVersion"
        result = await returns(
            world.events.create(run["runId"], make.run_cancelled(), make.create_params(line)),
            f"run_cancelled on {label}",
        )
        shown = (await run_of(world, run["runId"])).to_wire()
        answered = result.run.to_wire() if result.run is not MISSING else {}
        if any(view.get("status") != "cancelled" or field in view for view in (shown, answered)):
            fail(
                f"run_cancelled on {label} makes it cancelled, without the {field} only a {status} run has",
                "showed otherwise",
                ("runs.get", shown),
                ("result", result),
            )


async def _seeded_live_hook(world: World, door: LegacyHookSeeding, run_id: str, label: str) -> dict[str, Any]:
    """A live hook of the legacy run ``run_id``, stored through the backdoor as an older World
    version stored hooks (no ``hook_created`` behind it, no specVersion, JSON metadata), and
    seen live through ``hooks.getByToken``; the hook in wire form."""
    hook: dict[str, Any] = {
        "runId": run_id,
        "hookId": make.new_id("hook"),
        "token": make.token(),
        "ownerId": "owner_legacy",
        "projectId": "project_legacy",
        "environment": "production",
        "createdAt": 1_700_000_000_000,
        "metadata": {"seededAs": "legacy"},
    }
    await door.seed_legacy_hook(hook)
    await returns(
        world.hooks.get_by_token(hook["token"]),
        f"hooks.getByToken of the hook the backdoor's seed_legacy_hook stored on {label}",
    )
    return hook


async def _hook_is_gone(world: World, hook: dict[str, Any], label: str) -> None:
    """After ``run_cancelled`` on ``label``, its ``hook`` is deleted and its token free (§6.2).
    Which error a miss raises is HOOK-009's to judge."""
    run_id, token = str(hook["runId"]), str(hook["token"])
    deleted = f"the seeded hook of {label}, which run_cancelled must delete,"
    await rejects(world.hooks.get_by_token(token), f"hooks.getByToken of {deleted}")
    await rejects(world.hooks.get(str(hook["hookId"])), f"hooks.get of {deleted}")
    listed = await returns(
        world.hooks.list(run_id=run_id, pagination=PaginationOptions(limit=100)),
        f"hooks.list({{runId}}) of {label}, after run_cancelled",
    )
    if listed.data:
        fail(
            f"run_cancelled on {label} deletes its hooks: hooks.list for the run is then empty",
            f"lists {len(listed.data)}",
            ("hooks", listed.data),
        )
    reused = await returns(
        world.events.create(await pending_run(world), make.hook_created(make.new_id("hook"), token)),
        f"hook_created on a current run with the token of {deleted}",
    )
    if reused.event is MISSING or reused.event.event_type != "hook_created":
        fail(
            f"run_cancelled on {label} frees its hooks' tokens: another run's hook_created with one "
            "creates the hook",
            "answered otherwise (the token is still held)",
            ("result", reused),
        )


@invariant("LEG-003")
async def test_stored_version_selects_legacy_rules(
    world: World, world_line: SpecLine, world_evidence: Evidence
) -> None:
    """The stored run's version, not ``params.v1Compat`` nor the event's specVersion, selects
    the legacy rules of §6.2: on a run created at specVersion 1 (events sent with ``v1Compat:
    false``) and on a seeded run without specVersion (with a backdoor), hook_received and
    wait_completed are appended without lookup, run_cancelled cancels (repeatably) and returns
    the cancelled run, other events are refused; on a current run, ``v1Compat: true`` and
    specVersion 1 change nothing. Where the backdoor can also give the seeded run a live hook
    (``seed_legacy_hook``), run_cancelled deletes it: ``hooks.get``, ``getByToken`` and
    ``hooks.list`` miss it, and another run can create a hook with its token; seeded completed
    and failed legacy runs are cancelled too, and lose their output and error. What a World
    without these parts of the backdoor could not show is named in the record's evidence."""
    created = await returns(
        world.events.create(None, make.run_created(input={"legacy": True}, spec_version=1)),
        "run_created at specVersion 1",
    )
    legacy_id = run_in(created, "run_created at specVersion 1", "LEG-004").run_id
    await _follows_legacy_rules(
        world, legacy_id, make.create_params(world_line, v1_compat=False), "a spec-1 run"
    )
    if capabilities_of(world).has(Capability.LEGACY_SEEDING):
        label = "a run stored without specVersion"
        run, log = _seeded_pending_run(None)
        await backdoor(world).seed_legacy_run(run, log)
        hook_door = legacy_hook_seeding(world)
        hook = None if hook_door is None else await _seeded_live_hook(world, hook_door, run["runId"], label)
        await _follows_legacy_rules(world, run["runId"], make.create_params(world_line), label)
        if hook is None:
            world_evidence.notes.append(
                "not judged: whether run_cancelled deletes a legacy run's hooks (no seed_legacy_hook)"
            )
        else:
            await _hook_is_gone(world, hook, label)
        await _ended_legacy_runs_cancel_cleanly(world, world_line)
    else:
        world_evidence.notes.append("not judged: a run stored without specVersion (no backdoor)")
    current = await pending_run(world)
    claims_legacy = make.create_params(world_line, v1_compat=True)
    await raises(
        errors.HookNotFoundError,
        world.events.create(
            current,
            make.hook_received(make.new_id("hook")).model_copy(update={"spec_version": 1}),
            claims_legacy,
        ),
        "hook_received at specVersion 1 with v1Compat: true for an unknown hook, on a spec-3 run",
    )
    await raises(
        errors.WorkflowWorldError,
        world.events.create(current, make.wait_completed(make.new_id("wait")), claims_legacy),
        "wait_completed with v1Compat: true for an unknown wait, on a spec-3 run",
    )


def _persisted_codec_vectors() -> list[tuple[str, str, bytes, Any]]:
    """(encoding, vector name, encoded bytes, decoded value) for each vector of upstream's
    persisted-codec.json, values in worldspec's form (an ``undefined`` member is absent)."""
    text = resources.files("conformance.fixtures").joinpath("persisted-codec.json").read_text()
    fixture = json.loads(text)
    newest = fixture["newSqlite"]
    vectors = [(newest["format"], "newSqlite", wire.from_tagged(newest["encoded"]), newest["value"])]
    for group, field in (("legacyJsonText", "encodedText"), ("legacyCborX", "encoded")):
        for vector in fixture[group]["vectors"]:
            encoded = vector[field]
            raw = encoded.encode() if isinstance(encoded, str) else wire.from_tagged(encoded)
            vectors.append((fixture[group]["format"], vector["name"], raw, vector["value"]))
    return [(encoding, name, raw, wire.from_tagged(value)) for encoding, name, raw, value in vectors]


@invariant("LEG-007", requires=Capability.LEGACY_CODEC)
async def test_persisted_encodings_decode(world: World) -> None:
    """(``legacy_codec``) Every vector of upstream's persisted-codec.json (deterministic CBOR,
    JSON text with Uint8Array envelopes, cbor-x with ``undefined`` and Dates), stored through
    the backdoor as a legacy run's input, reads back through ``runs.get`` as the vector's
    value, types included."""
    door = encoded_payload_seeding(world)
    for encoding, name, encoded, value in _persisted_codec_vectors():
        run_id = await door.seed_encoded_input(encoding, encoded)
        run = await run_of(world, run_id)
        if not values.same_value(run.input, value):
            fail(
                f"the {encoding} vector {name!r} reads back as its value",
                "returned another",
                ("value", value),
                ("runs.get input", run.input),
            )
