"""The pytest plugin (entry point ``pytest11: worldspec``): ``pytest --world=module:Factory``.

Thin by design: options, collection of the suites, running coroutine tests with a fresh World
in a harness of their own (``conformance.world.harness``), and one record per invariant
(``conformance.reporting.records``), which every reader reads. The logic lives in plain modules.

Fixtures: ``world`` is the World under test, started, recorded and under deadlines, typed as the
``worldspec.protocol.World`` it must be; tests that open Worlds themselves (one per Hypothesis
example, or on the kit's clock) take ``world_spec`` and drive ``world_loop``. ``world_profile``,
``world_seed`` and ``world_evidence`` carry the profile, the test's own seed, and what a race or
model test reports about how much it looked. ``world_line`` is the line of the contract the
World is judged on (``conformance.world.spec_line``); tests that judge one line only are not
collected for a World judged on the other.
``world_fault_seed`` is the seed the FAULT tests share (they judge one campaign of kills).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import json
import os
import random
import sys
import threading
import warnings
from collections.abc import Callable, Coroutine, Generator, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest
from hypothesis import seed as hypothesis_seed
from hypothesis import settings as hypothesis_settings

import worldspec
from conformance import suites
from conformance.catalogue.entries import FAMILIES, invariant_by_id
from conformance.catalogue.implemented import capabilities_judged_on, implementing_tests
from conformance.catalogue.marker import MarkedInvariant, invariant_of
from conformance.checks import values
from conformance.checks.expect import SetupDeviation, judging
from conformance.parallel import (
    SCHEDULED_DISTRIBUTIONS,
    KitScheduling,
    invariant_in_node_id,
    lengthy_first,
    racing_invariants,
)
from conformance.reporting.blame import explain_unexpected
from conformance.reporting.failure import failure_sections
from conformance.reporting.known_failures import KnownFailure, KnownFailuresError, load_known_failures
from conformance.reporting.outcome import classify
from conformance.reporting.output_files import output_file_problem, write_whole
from conformance.reporting.profiles import DEFAULT_PROFILE, PROFILES, Profile, derive_seed, register_profiles
from conformance.reporting.records import Evidence, InvariantRecord, RecordBook, refusal_document
from conformance.reporting.rerun import RunIdentity, replay_command, rerun_command
from conformance.world import throttle
from conformance.world.capabilities import CapabilityDeclarationError, capabilities_of, faults_of, unwrapped
from conformance.world.clock import KIT_CLOCK_LEAD, ClockedWorld, ManualClock, open_world_with_clock
from conformance.world.deadlines import DEFAULT_CALL_TIMEOUT, WorldCallTimeout, abandon, seconds_problem
from conformance.world.harness import HarnessTimeout, WorldHarness
from conformance.world.leaks import Census, leaked_non_daemon_threads, pending_tasks
from conformance.world.loading import (
    WorldLoadError,
    WorldSpec,
    close_world,
    diagnostics_of,
    open_world,
    parse_world_options,
)
from conformance.world.oracle import system_clock
from conformance.world.recorder import Recorder
from conformance.world.spec_line import (
    LineChoice,
    LineRefused,
    choose_line,
    highest_version,
    override_problem,
)
from worldspec.capabilities import Capabilities, Capability
from worldspec.faults import Restartable
from worldspec.lines import SpecLine
from worldspec.protocol import World

SUITES_DIR = Path(suites.__file__).parent
ENV_VAR = "WORLDSPEC_WORLD"
TEST_BUDGET_CALLS = 10
"""A coroutine test may take as long as this many World calls at their deadline."""

T = TypeVar("T")

_SPEC = pytest.StashKey[WorldSpec]()
_CAPABILITIES = pytest.StashKey[Capabilities]()
_LINE = pytest.StashKey[LineChoice]()
_KNOWN = pytest.StashKey[dict[str, KnownFailure]]()
_UNMATCHED = pytest.StashKey[list[str]]()
_UNSELECTED = pytest.StashKey[list[str]]()
_BOOK = pytest.StashKey[RecordBook]()
_PROFILE = pytest.StashKey[Profile]()
_SEED = pytest.StashKey[int]()
_HARNESS = pytest.StashKey[WorldHarness]()
_WORLD = pytest.StashKey[World]()
_RECORDER = pytest.StashKey[Recorder]()
_FACTS = pytest.StashKey[dict[str, Any]]()
"""What the run of one test established for its record: skipped_for, deviation, timed_out,
should_violation, evidence, and the report sections of a failure."""
_REPORTS = pytest.StashKey[list[pytest.TestReport]]()
"""The phase reports of one test, in order."""


class ShouldViolation(UserWarning):
    """A SHOULD rule the World breaks: reported, never failed (contract, Keywords)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("worldspec", "World conformance (worldspec)")
    group.addoption(
        "--world",
        metavar="MODULE:FACTORY",
        help="the World to certify: a callable (class, function, async function) returning a World, "
        f"e.g. reference_worlds.memory:MemoryWorld. Also from ${ENV_VAR} or the 'world' ini option. "
        "MODULE is imported as python -m would: installed, or in the current directory.",
    )
    group.addoption(
        "--world-opt",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="keyword argument for the Factory (repeatable); JSON values (3, true, {...}) are decoded.",
    )
    group.addoption(
        "--world-xfail",
        metavar="FILE",
        help="TOML file of known failures ([[known_failure]] id, reason, link): run as expected failures.",
    )
    group.addoption(
        "--world-report",
        metavar="FILE",
        help="write each invariant's record (outcome, reason, rerun command, details) to FILE as JSON.",
    )
    group.addoption(
        "--world-records",
        metavar="FILE",
        help="append one JSON line per invariant to FILE as each finishes (for live progress).",
    )
    group.addoption(
        "--world-profile",
        choices=sorted(PROFILES),
        default=DEFAULT_PROFILE,
        help="how hard to look: model examples and steps, race rounds and width, time budgets "
        f"(default {DEFAULT_PROFILE}).",
    )
    group.addoption(
        "--world-budget",
        type=float,
        metavar="SECONDS",
        help="seconds each model or race test may generate before it stops and judges what ran "
        "(default: the profile's; quick 20, ci 90, thorough 900).",
    )
    group.addoption(
        "--world-seed",
        type=int,
        metavar="N",
        help="seed of every random choice (printed in the report header): replays a run "
        "(default: a fresh seed each run).",
    )
    group.addoption(
        "--world-timeout",
        type=float,
        default=DEFAULT_CALL_TIMEOUT,
        metavar="SECONDS",
        help="seconds one World call may take before its test fails as timed out and the World is "
        f"abandoned (default {DEFAULT_CALL_TIMEOUT:g}); a whole test gets {TEST_BUDGET_CALLS} times that.",
    )
    group.addoption(
        "--world-spec",
        type=int,
        metavar="N",
        help="judge the World on the line of spec version N (3: the 4.x line; 6 or 7: the 5.x line) "
        "instead of the line of the version it declares.",
    )
    parser.addini("world", "the World to certify (MODULE:FACTORY), as --world", default=None)


def _world_spec(config: pytest.Config) -> WorldSpec | None:
    options = parse_world_options(config.getoption("world_opt"))
    timeout = config.getoption("world_timeout")
    problem = seconds_problem("--world-timeout", timeout)
    if problem is not None:
        raise WorldLoadError(problem)
    given: tuple[str, str] | None = None
    if config.getoption("world"):
        given = (config.getoption("world"), "--world option")
    elif os.environ.get(ENV_VAR):
        given = (os.environ[ENV_VAR], f"${ENV_VAR}")
    elif config.getini("world"):
        given = (str(config.getini("world")), f"'world' in {config.inipath}")
    if given is None:
        return None
    return WorldSpec(given[0], options, given[1], call_timeout=timeout, close_timeout=timeout)


def _probe_within_deadline(spec: WorldSpec) -> tuple[Capabilities, int | None]:
    """``_probe`` on a harness of its own, given as long as a test gives opening a World: a
    Factory that blocks (a synchronous connect to a host that never answers) ends the run with
    a usage error instead of hanging it."""
    harness = WorldHarness()
    try:
        found = harness.run(_probe(spec), spec.close_timeout * 2, "opening the World")
    except HarnessTimeout as error:
        raise WorldLoadError(f"{spec.target}: {error} (its Factory or start() never returned)") from None
    except KeyboardInterrupt:
        # pytest ends a run interrupted while it configures without a word
        sys.stderr.write(f"worldspec: interrupted while opening {spec.target}; nothing was judged\n")
        raise
    finally:
        harness.close()
    return found


async def _probe(spec: WorldSpec) -> tuple[Capabilities, int | None]:
    """The capabilities and spec version of a World opened once before the first test. A World
    whose ``close()`` hangs is judged test by test (each test's teardown fails), not here."""
    world = await open_world(spec)
    found = capabilities_of(world), getattr(world, "spec_version", None)
    with contextlib.suppress(WorldLoadError):
        await close_world(world, spec.close_timeout)
    return found


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "invariant(id): the catalogue invariant a test checks")
    for family in FAMILIES.values():
        config.addinivalue_line(
            "markers", f"{family.marker}: {family.prefix} invariants ({family.title}, {family.sections})"
        )
    try:
        spec = _world_spec(config)
        if spec is None:
            return
        problem = _option_problem(config)
        if problem is not None:
            raise pytest.UsageError(problem)
        capabilities, spec_version = _probe_within_deadline(spec)
        choice = _line_choice(config, spec, spec_version)
        xfail_file = config.getoption("world_xfail")
        known = load_known_failures(Path(xfail_file)) if xfail_file else {}
    except (WorldLoadError, KnownFailuresError, CapabilityDeclarationError) as error:
        raise pytest.UsageError(str(error)) from None
    except WorldCallTimeout as error:
        raise pytest.UsageError(f"the World did not answer while the kit probed it: {error}") from None
    config.stash[_SPEC] = spec
    profile = PROFILES[config.getoption("world_profile")]
    budget = config.getoption("world_budget")
    if budget is not None:
        profile = dataclasses.replace(profile, budget_seconds=budget)
    register_profiles(config.rootpath)
    hypothesis_settings.load_profile(f"worldspec-{profile.name}")
    config.stash[_PROFILE] = profile
    config.stash[_SEED] = _session_seed(config)
    config.stash[_CAPABILITIES] = capabilities
    config.stash[_LINE] = choice
    config.stash[_KNOWN] = known
    records_path = config.getoption("world_records")
    keeps_records = records_path and not _is_worker(config)
    judged = {capability.value for capability in capabilities_judged_on(choice.line)}
    config.stash[_BOOK] = RecordBook(
        spec.target,
        spec.options,
        [name for name in capabilities.enabled() if name in judged],
        spec_version,
        profile.name,
        config.stash[_SEED],
        line=choice.line,
        contract_version=highest_version(choice.line),
        stream=Path(records_path).open("a", encoding="utf-8") if keeps_records else None,  # noqa: SIM115
    )
    if not _is_worker(config):
        config.pluginmanager.register(_RecordKeeper(config.stash[_BOOK]), "worldspec-records")
        if config.pluginmanager.hasplugin("xdist"):
            config.pluginmanager.register(_Workers(config.stash[_SEED]), "worldspec-xdist")
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args = [str(SUITES_DIR)]


def _option_problem(config: pytest.Config) -> str | None:
    """The first mistake in the options checked before any World is opened, in one sentence:
    ``--world-budget``, ``--world-spec``, and the files the controller writes."""
    budget = config.getoption("world_budget")
    if budget is not None and (problem := seconds_problem("--world-budget", budget)) is not None:
        return problem
    override = config.getoption("world_spec")
    if override is not None and (problem := override_problem("--world-spec", override)) is not None:
        return problem
    if _is_worker(config):
        return None
    for option in ("--world-report", "--world-records"):
        path = config.getoption(option.removeprefix("--").replace("-", "_"))
        if path and (problem := output_file_problem(option, Path(path))) is not None:
            return problem
    return None


def _line_choice(config: pytest.Config, spec: WorldSpec, declared: object) -> LineChoice:
    """The line the World is judged on. A refusal writes the ``--world-report`` document that says
    so (no invariant in it) and ends the run as a usage error with the refusal's one line."""
    try:
        return choose_line(declared, config.getoption("world_spec"))
    except LineRefused as refusal:
        report_path = config.getoption("world_report", None)
        if report_path and not _is_worker(config):
            document = refusal_document(spec.target, spec.options, declared, str(refusal))
            write_whole(Path(report_path), json.dumps(document, indent=2, default=str) + "\n")
        raise pytest.UsageError(f"worldspec refuses the World: {refusal}") from None


def _is_worker(config: pytest.Config) -> bool:
    """Whether this process is a pytest-xdist worker (the controller keeps the records)."""
    return hasattr(config, "workerinput")


def _session_seed(config: pytest.Config) -> int:
    """``--world-seed``, else the seed the xdist controller chose, else a fresh one."""
    given = config.getoption("world_seed")
    if given is not None:
        return int(given)
    if _is_worker(config) and _WORKER_SEED in config.workerinput:  # type: ignore[attr-defined]
        return int(config.workerinput[_WORKER_SEED])  # type: ignore[attr-defined]
    return random.SystemRandom().randrange(2**32)


_WORKER_SEED = "worldspec_seed"


class _Workers:
    """Hooks of the xdist controller: every worker gets the session's seed, and the records
    announce the invariants the first worker collected."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.announced = False

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[_WORKER_SEED] = self.seed

    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        book = node.config.stash.get(_BOOK, None)
        if book is None or self.announced:
            return
        self.announced = True
        collected = _invariant_ids(ids)
        book.collected(invariant_by_id(ident) for ident in collected)
        _note_stale_known_failures(node.config, collected)


def _invariant_ids(node_ids: list[str]) -> list[str]:
    """The invariant IDs in suite node ids, in order (``invariant_in_node_id``)."""
    return [ident for node_id in node_ids if (ident := invariant_in_node_id(node_id)) is not None]


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Close the records stream; then end the process at once if Worlds left non-daemon threads
    behind: Python would wait for them after pytest's summary, which reads as a hang."""
    book = config.stash.get(_BOOK, None)
    if book is None:
        return
    if book.stream is not None:
        book.stream.close()
    leaked = leaked_non_daemon_threads(config.stash.get(_THREADS_AT_START, frozenset()))
    if not leaked:
        return
    names = ", ".join(repr(thread.name) for thread in leaked)
    sys.stdout.flush()
    sys.stderr.write(
        f"worldspec: the World left {len(leaked)} non-daemon thread(s) running after close(): {names}; "
        "Python would wait for them for ever, so the kit ends the process now\n"
    )
    sys.stderr.flush()
    os._exit(config.stash.get(_EXIT_STATUS, 1))


def _identity(config: pytest.Config) -> RunIdentity:
    spec = config.stash[_SPEC]
    return RunIdentity(spec.target, spec.options, config.stash[_PROFILE].name, config.stash[_SEED])


def pytest_report_header(config: pytest.Config) -> list[str]:
    if _SPEC not in config.stash:
        return []
    spec = config.stash[_SPEC]
    book = config.stash[_BOOK]
    options = f" {spec.options}" if spec.options else ""
    return [
        f"worldspec {worldspec.KIT_VERSION}: World {spec.target}{options} (from {spec.source})",
        f"worldspec: judged on {config.stash[_LINE].describe()}, "
        f"contract spec version {book.contract_version}",
        f"worldspec: capabilities in force: {', '.join(book.capabilities) or 'none'}",
        f"worldspec: profile {book.profile}, seed {book.seed}, {spec.call_timeout:g} s per World call",
        f"worldspec: replay this run: {replay_command(_identity(config))}",
    ]


def _harness_of(item: pytest.Item) -> WorldHarness:
    """The test's harness, made on first use (one loop thread per test, never two)."""
    if _HARNESS not in item.stash:
        item.stash[_HARNESS] = WorldHarness()
    return item.stash[_HARNESS]


def _facts(item: pytest.Item) -> dict[str, Any]:
    return item.stash.setdefault(_FACTS, {})


@pytest.fixture
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    """The World under test: fresh, started, every call recorded and under its deadline. The kit
    closes it after the test (abandons it if a call outlived its deadline)."""
    yield from _opened_world(request, open_world)


@pytest.fixture
def clocked_world(request: pytest.FixtureRequest) -> Iterator[ClockedWorld]:
    """The World under test as ``world`` gives it, opened on the kit's clock where its Factory
    takes a ``clock`` (docs/writing-a-factory.md); ``ClockedWorld.clock`` is None otherwise."""
    clock = ManualClock(system_clock() + KIT_CLOCK_LEAD)
    on_kit_clock: list[bool] = []

    async def opener(spec: WorldSpec, recorder: Recorder) -> World:
        opened, moved_by_kit = await open_world_with_clock(spec, clock, recorder)
        on_kit_clock.append(moved_by_kit)
        return cast(World, opened)

    for opened in _opened_world(request, opener):
        yield ClockedWorld(opened, clock if on_kit_clock[0] else None)


def _opened_world(
    request: pytest.FixtureRequest, opener: Callable[[WorldSpec, Recorder], Coroutine[Any, Any, World]]
) -> Iterator[World]:
    """Open the World with ``opener``, yield it, then close it and take note of what it left."""
    if _SPEC not in request.config.stash:
        pytest.skip("no World given: pass --world=module:Factory")
    spec = request.config.stash[_SPEC]
    item = request.node
    census = Census.take()
    harness = _harness_of(item)
    recorder = item.stash.setdefault(_RECORDER, Recorder())
    values.restart_rotation()
    refused: WorldLoadError | HarnessTimeout | None = None
    try:
        opened = harness.run(opener(spec, recorder), spec.close_timeout * 2, "opening the World")
    except (WorldLoadError, HarnessTimeout) as error:
        refused = error
    if refused is not None:
        pytest.fail(f"the kit could not open a World for this test: {refused}", pytrace=False)
    item.stash[_WORLD] = opened
    yield opened
    if harness.abandoned:
        return
    stuck: WorldLoadError | HarnessTimeout | None = None
    try:
        harness.run(close_world(opened, spec.close_timeout), spec.close_timeout + 5, "closing the World")
        tasks = harness.run(pending_tasks(), spec.close_timeout, "listing the World's tasks")
        harness.release_default_executor()
    except (WorldLoadError, HarnessTimeout) as error:
        _facts(item)["timed_out"] = True
        stuck = error
    if stuck is not None:
        pytest.fail(str(stuck), pytrace=False)
    if _restarts_by_the_kit(item, opened):
        left = tasks
    else:
        left = tasks + census.left_behind(ignore_threads=frozenset({harness.thread_ident}))
    if left:
        _facts(item)["left_behind"] = left


def _restarts_by_the_kit(item: pytest.Item, world: World) -> bool:
    """Whether the test kills and restarts the World's own process (a FAULT test of a
    ``Restartable`` World): the process the restart started is the World's server from then
    on, kept for later instances as the first one was, so the census would blame the World for
    what the kit did."""
    marked = _marked(item)
    return (
        marked is not None
        and Capability.FAULTS in marked.requires
        and isinstance(faults_of(world), Restartable)
    )


@pytest.fixture
def world_spec(request: pytest.FixtureRequest) -> WorldSpec:
    """Where the World under test comes from, for tests that open Worlds themselves."""
    if _SPEC not in request.config.stash:
        pytest.skip("no World given: pass --world=module:Factory")
    return request.config.stash[_SPEC]


@pytest.fixture
def world_line(request: pytest.FixtureRequest) -> SpecLine:
    """The line of the contract the World under test is judged on."""
    if _LINE not in request.config.stash:
        pytest.skip("no World given: pass --world=module:Factory")
    return request.config.stash[_LINE].line


@pytest.fixture
def world_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """A fresh event loop for a synchronous test that drives Worlds; closed afterwards."""
    loop = asyncio.new_event_loop()
    try:
        yield loop
    finally:
        loop.close()


@pytest.fixture
def world_profile(request: pytest.FixtureRequest) -> Profile:
    """The ``--world-profile`` in force."""
    return request.config.stash.get(_PROFILE, PROFILES[DEFAULT_PROFILE])


@pytest.fixture
def world_seed(request: pytest.FixtureRequest) -> int:
    """This test's seed, derived from the session seed and the test's name."""
    return _test_seed(request.config, request.node.name)


@pytest.fixture
def world_fault_seed(request: pytest.FixtureRequest) -> int:
    """The seed of the session's fault campaign, shared by every FAULT test (derived from the
    session seed and the family, so rerunning one FAULT test replays the same kills)."""
    return _test_seed(request.config, "FAULT")


@pytest.fixture
def world_evidence(request: pytest.FixtureRequest) -> Evidence:
    """Where a race or model test says how much it looked (rounds, forcing, budget), and any
    test notes what it could not judge; the invariant's record carries it."""
    evidence = Evidence()
    _facts(request.node)["evidence"] = evidence
    return evidence


def _test_seed(config: pytest.Config, name: str) -> int:
    return derive_seed(config.stash.get(_SEED, 0), name)


@pytest.fixture(autouse=True)
def invariant_id(request: pytest.FixtureRequest) -> str | None:
    """The catalogue ID of the running suite test (its parametrize id)."""
    return getattr(request, "param", None)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    found = invariant_of(metafunc.function)
    if found is not None:
        metafunc.parametrize("invariant_id", [found.id], ids=[found.id], indirect=True)


def _marked(item: pytest.Item) -> MarkedInvariant | None:
    return invariant_of(getattr(item, "function", None))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that do not judge the World's line are deselected; known failures run as strict
    expected failures; on xdist workers the racing and the lengthy tests come first
    (``conformance.parallel.lengthy_first``)."""
    if _KNOWN not in config.stash:
        return
    _deselect_other_lines(config, items)
    known = config.stash[_KNOWN]
    for item in items:
        found = _marked(item)
        if found is None:
            continue
        if found.id in known:
            entry = known[found.id]
            _facts(item)["finding"] = entry.link
            if entry.sometimes is not None:
                _facts(item)["sometimes"] = entry.sometimes
            item.add_marker(
                pytest.mark.xfail(
                    reason=f"known failure: {entry.reason} ({entry.link})", strict=entry.sometimes is None
                )
            )
    if _is_worker(config):
        lengthy_first(items, _marked)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> KitScheduling | None:
    """On the xdist controller, for ``--dist load`` (what ``-n`` implies) and ``loadgroup``:
    the kit's scheduling, all racing tests on one worker one after another
    (``conformance.parallel``). Other ``--dist`` modes are xdist's."""
    if _KNOWN not in config.stash or config.getvalue("dist") not in SCHEDULED_DISTRIBUTIONS:
        return None
    return KitScheduling(config, log, racing_invariants())


def _deselect_other_lines(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Remove from ``items`` the suite tests that do not judge a World on its line: an invariant
    of the other line, or one this kit checks on the other line only. They leave no record, so
    no report counts them and no certification level waits for them (docs/decisions.md)."""
    line = config.stash[_LINE].line
    kept: list[pytest.Item] = []
    deselected: list[pytest.Item] = []
    for item in items:
        found = _marked(item)
        (kept if found is None or found.judges(line) else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def pytest_collection_finish(session: pytest.Session) -> None:
    book = session.config.stash.get(_BOOK, None)
    if book is not None and not _is_worker(session.config):
        marked = [found for item in session.items if (found := _marked(item)) is not None]
        book.collected(found.entry for found in marked)
        _note_stale_known_failures(session.config, [found.id for found in marked])


def _note_stale_known_failures(config: pytest.Config, collected: list[str]) -> None:
    """Keep the known failures no test of the kit judges on the session's line: a file listing
    them has gone stale (the invariant left the kit, or belongs to the other line), and the run
    fails so that it cannot stay stale unnoticed. Keep apart the entries whose test the kit has
    but this run did not select (``-k``, ``-m``, a path): they are not judged, and say so."""
    listed: dict[str, KnownFailure] = config.stash.get(_KNOWN, {})
    known = set(listed)
    judged_on_line = set(implementing_tests(config.stash[_LINE].line))
    config.stash[_UNMATCHED] = sorted(known - judged_on_line)
    config.stash[_UNSELECTED] = sorted((known & judged_on_line) - set(collected))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip, before anything runs, a test whose invariant needs a capability the World lacks."""
    found = _marked(item)
    if found is None or _CAPABILITIES not in item.config.stash:
        return
    capabilities = item.config.stash[_CAPABILITIES]
    for capability in found.requires:
        if not capabilities.has(capability):
            _facts(item)["skipped_for"] = capability.value
            pytest.skip(f"the World lacks {capability.value}: {capability.describe()}")


def _is_coroutine_test(test: Any) -> bool:
    inner = getattr(getattr(test, "hypothesis", None), "inner_test", None)
    return inspect.iscoroutinefunction(test) or inspect.iscoroutinefunction(inner)


async def _judged(invariant_id: str | None, coroutine: Coroutine[Any, Any, T]) -> T:
    if invariant_id is None:
        return await coroutine
    with judging(invariant_id):
        return await coroutine


def _run_coroutine_test(item: pytest.Function, spec: WorldSpec, found: MarkedInvariant | None) -> None:
    test: Callable[..., Any] = item.obj
    arguments = {name: item.funcargs[name] for name in item._fixtureinfo.argnames}
    harness = _harness_of(item)
    budget = (spec.call_timeout or DEFAULT_CALL_TIMEOUT) * TEST_BUDGET_CALLS
    if "world_profile" in arguments:
        # A test that paces itself by the profile's time budget (races, paging rounds) stops
        # starting rounds when that budget is spent; its deadline leaves room for the budget
        # and for the round still running when it ran out.
        budget += item.config.stash[_PROFILE].budget_seconds
    ident = found.id if found else None
    hypothesis = getattr(test, "hypothesis", None)

    def judged(coroutine: Coroutine[Any, Any, Any], what: str) -> None:
        """Run ``coroutine`` on the harness, then fail it for a task that escaped the loop."""
        harness.run(_judged(ident, coroutine), budget, what)
        harness.raise_escaped()

    if hypothesis is None:
        judged(test(**arguments), f"the test {item.name}")
        return
    hypothesis_seed(_test_seed(item.config, item.name))(test)
    inner = hypothesis.inner_test
    hypothesis.inner_test = lambda **kw: judged(inner(**kw), f"an example of {item.name}")
    try:
        test(**arguments)
    finally:
        hypothesis.inner_test = inner


def _unexpected(item: pytest.Item, error: Exception) -> str:
    recorder = item.stash.get(_RECORDER, None)
    return explain_unexpected(error, recorder.calls if recorder is not None else [])


def _run_sync_test(item: pytest.Function, found: MarkedInvariant) -> None:
    arguments = {name: item.funcargs[name] for name in item._fixtureinfo.argnames}
    with judging(found.id):
        item.obj(**arguments)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    found = _marked(pyfuncitem)
    coroutine = _is_coroutine_test(pyfuncitem.obj)
    if found is None and not coroutine:
        return None
    spec = pyfuncitem.config.stash.get(_SPEC, None)
    if spec is None:
        pytest.skip("no World given: pass --world=module:Factory")
    facts = _facts(pyfuncitem)
    unexpected: str | None = None
    timed_out: str | None = None
    refused_before = throttle.refusals()
    try:
        if coroutine:
            _run_coroutine_test(pyfuncitem, spec, found)
        elif found is not None:
            _run_sync_test(pyfuncitem, found)
    except SetupDeviation as deviation:
        facts["deviation"] = deviation
        pytest.skip(f"not judged: {deviation}")
    except (WorldCallTimeout, HarnessTimeout) as timeout:
        facts["timed_out"] = True
        world = pyfuncitem.stash.get(_WORLD, None)
        left = abandon(world) if world is not None else ""
        harness = pyfuncitem.stash.get(_HARNESS, None)
        if harness is not None:
            harness.abandoned = True
        timed_out = f"timed out: {timeout}; {left}".rstrip("; ")
    except (pytest.fail.Exception, AssertionError) as error:
        if found is None or found.entry.level != "SHOULD":
            raise
        facts["should_violation"] = str(error)
        warnings.warn(ShouldViolation(f"{found.id} (SHOULD) {found.entry.statement}\n{error}"), stacklevel=1)
    except (pytest.skip.Exception, pytest.xfail.Exception):
        raise
    except Exception as error:
        unexpected = _unexpected(pyfuncitem, error)
    finally:
        facts["throttled"] = throttle.refusals() - refused_before
    # Failed outside the except blocks: the report states the failure once, not the World's
    # exception (or the timeout) with the kit's lines "during handling" of it.
    if timed_out is not None:
        pytest.fail(timed_out, pytrace=False)
    if unexpected is not None:
        pytest.fail(unexpected, pytrace=False)
    return True


async def _logs_of(world: World, run_ids: list[str]) -> dict[str, Any]:
    logs: dict[str, Any] = {}
    for run_id in run_ids[:5]:
        try:
            listed = await world.events.list(run_id, pagination=worldspec.PaginationOptions(limit=100))
            logs[run_id] = listed.data
        except Exception as error:
            logs[run_id] = f"events.list raised {type(error).__name__}: {error}"
    return logs


def _failure_sections(item: pytest.Item, found: MarkedInvariant) -> list[tuple[str, str]]:
    spec = item.config.stash[_SPEC]
    recorder = item.stash.get(_RECORDER, Recorder())
    world = item.stash.get(_WORLD, None)
    harness = item.stash.get(_HARNESS, None)
    logs: dict[str, Any] = {}
    diagnostics = ""
    if world is not None and harness is not None and not harness.abandoned:
        try:
            logs = harness.run(
                _logs_of(cast(World, unwrapped(world)), recorder.run_ids),
                spec.call_timeout,
                "reading the logs",
            )
        except (HarnessTimeout, WorldCallTimeout):
            logs = {}
        diagnostics = diagnostics_of(world)
    elif world is not None:
        diagnostics = diagnostics_of(world)
    return failure_sections(found.entry, _identity(item.config), recorder, logs, diagnostics)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    found = _marked(item)
    if found is None or _SPEC not in item.config.stash:
        return report
    facts = _facts(item)
    deviation = facts.get("deviation")
    if report.when == "call" and (report.failed or deviation is not None):
        report.sections.extend(_failure_sections(item, found))
        if deviation is not None and deviation.shown:
            report.sections.append(("worldspec: what the setup step returned", deviation.shown))
    reports: list[pytest.TestReport] = item.stash.setdefault(_REPORTS, [])
    reports.append(report)
    if report.when == "teardown":
        _close_harness(item)
        rerun = rerun_command(_identity(item.config), found.id)
        record = classify(found.entry, reports, facts, rerun)
        report.user_properties.append((_RECORD_PROPERTY, json.dumps(record.to_json(), default=str)))
    return report


_RECORD_PROPERTY = "worldspec_record"
"""The teardown report carries the invariant's record, so that under pytest-xdist the controller,
which sees only reports, keeps the same records a single process keeps."""


class _RecordKeeper:
    """Keeps the records the teardown reports carry, in the process that reports (the only
    process, or the xdist controller; a worker's reports reach the controller)."""

    def __init__(self, book: RecordBook) -> None:
        self.book = book

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "teardown":
            return
        for name, value in report.user_properties:
            if name == _RECORD_PROPERTY:
                self.book.add(InvariantRecord.from_json(json.loads(str(value))))


def _close_harness(item: pytest.Item) -> None:
    harness = item.stash.get(_HARNESS, None)
    if harness is not None and not harness.close():
        _facts(item)["leaked"] = (
            "the World's event loop was stuck in code that never yields; its thread was left behind"
        )


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    not_written = config.stash.get(_NOT_WRITTEN, None)
    if not_written is not None:
        terminalreporter.section("worldspec: interrupted", yellow=True)
        terminalreporter.line(f"the run was interrupted: no report written to --world-report {not_written}")
    unmatched = config.stash.get(_UNMATCHED, [])
    if unmatched:
        terminalreporter.section("worldspec: stale known failures", red=True)
        line = config.stash[_LINE].line
        for ident in unmatched:
            terminalreporter.line(
                f"{ident} is listed in --world-xfail but no test of the kit judges it on the {line} line"
            )
    unselected = config.stash.get(_UNSELECTED, [])
    if unselected:
        terminalreporter.section("worldspec: known failures not judged", yellow=True)
        terminalreporter.line(
            f"{', '.join(unselected)}: listed in --world-xfail, but their tests were not selected in this run"
        )
    book = config.stash.get(_BOOK, None)
    if book is None:
        return
    unjudged = [record for record in book.records.values() if record.outcome == "unjudged"]
    if unjudged:
        terminalreporter.section("worldspec: not judged", yellow=True)
        for record in unjudged:
            terminalreporter.line(f"{record.id}: {record.reason}")
    timed_out = [record for record in book.records.values() if record.timed_out]
    if timed_out:
        terminalreporter.section("worldspec: timed out", red=True)
        for record in timed_out:
            terminalreporter.line(f"{record.id}: {record.reason}")
    throttled = [record for record in book.records.values() if record.throttled]
    if throttled:
        terminalreporter.section("worldspec: rate limited", yellow=True)
        terminalreporter.line(
            f"the World refused {sum(record.throttled for record in throttled)} calls with ThrottleError "
            "(§3: rate limiting); each was made again after its retryAfter, as the runtime does:"
        )
        terminalreporter.line(", ".join(f"{record.id} ({record.throttled})" for record in throttled))
    left = [record for record in book.records.values() if record.left_behind]
    if left:
        terminalreporter.section("worldspec: left running after close()", yellow=True)
        for record in left:
            terminalreporter.line(f"{record.id}: {', '.join(record.left_behind)}")
    cut_short = [
        record for record in book.records.values() if record.evidence and record.evidence.budget_reached
    ]
    if cut_short:
        terminalreporter.section("worldspec: time budget reached", yellow=True)
        for record in cut_short:
            assert record.evidence is not None
            terminalreporter.line(f"{record.id} ({record.outcome}): {record.evidence.summary()}")


_THREADS_AT_START = pytest.StashKey[frozenset[int]]()
_EXIT_STATUS = pytest.StashKey[int]()


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_THREADS_AT_START] = frozenset(t.ident or 0 for t in threading.enumerate())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    book = config.stash.get(_BOOK, None)
    known = config.stash.get(_KNOWN, {})
    unexplained = book is not None and any(
        record.outcome == "unjudged" and record.judged_by not in known for record in book.records.values()
    )
    # A rule left unjudged because a scene-setting step broke a rule the known-failures file
    # lists is explained by that entry; any other unjudged rule fails the run.
    if (config.stash.get(_UNMATCHED, []) or unexplained) and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    report_path = config.getoption("world_report", None)
    if report_path and book is not None and not _is_worker(config):
        _write_report(config, book, Path(report_path), exitstatus)
    config.stash[_EXIT_STATUS] = int(session.exitstatus)


_NOT_WRITTEN = pytest.StashKey[Path]()
"""The ``--world-report`` an interrupted run did not write."""


def _write_report(config: pytest.Config, book: RecordBook, path: Path, exitstatus: int) -> None:
    """Write the session's report to ``path``; after an interruption write none, and take away
    the one an earlier run left there, so that no reader takes part of a run for all of it."""
    if exitstatus == pytest.ExitCode.INTERRUPTED:
        path.unlink(missing_ok=True)
        config.stash[_NOT_WRITTEN] = path
        return
    book.write(path)
