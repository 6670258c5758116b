"""The pytest plugin (entry point ``pytest11: worldspec``): ``pytest --world=module:Factory``.

Thin by design: options, collection of the suites, running coroutine tests in an event loop of
their own with a fresh World, and reporting. The logic lives in plain modules.

Tests that open Worlds themselves (one per Hypothesis example, or on the kit's clock) take
``world_spec``; a synchronous test that drives them gets its event loop from ``world_loop``.
``world_profile`` and ``world_seed`` carry ``--world-profile`` and the test's own seed.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import random
import warnings
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import seed as hypothesis_seed
from hypothesis import settings as hypothesis_settings

import worldspec
from conformance import suites
from conformance.catalogue.entries import FAMILIES
from conformance.catalogue.marker import invariant_of
from conformance.checks.expect import capabilities_of
from conformance.reporting.failure import failure_sections
from conformance.reporting.known_failures import KnownFailure, KnownFailuresError, load_known_failures
from conformance.reporting.profiles import DEFAULT_PROFILE, PROFILES, Profile, derive_seed, register_profiles
from conformance.reporting.records import OutcomeLog
from conformance.world.loading import (
    WorldLoadError,
    WorldSpec,
    close_world,
    diagnostics_of,
    open_world,
    parse_world_options,
)
from conformance.world.recorder import Recorder, RecordingWorld

SUITES_DIR = Path(suites.__file__).parent
ENV_VAR = "WORLDSPEC_WORLD"

_SPEC = pytest.StashKey[WorldSpec]()
_CAPABILITIES = pytest.StashKey[list[str]]()
_KNOWN = pytest.StashKey[dict[str, KnownFailure]]()
_UNMATCHED = pytest.StashKey[list[str]]()
_OUTCOMES = pytest.StashKey[OutcomeLog]()
_RECORDER = pytest.StashKey[Recorder]()
_LOGS = pytest.StashKey[dict[str, Any]]()
_DIAGNOSTICS = pytest.StashKey[str]()
_SHOULD_VIOLATION = pytest.StashKey[str]()
_PROFILE = pytest.StashKey[Profile]()
_SEED = pytest.StashKey[int]()


class ShouldViolation(UserWarning):
    """A SHOULD rule the World breaks: reported, never failed (contract, Keywords)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("worldspec", "World conformance (worldspec)")
    group.addoption(
        "--world",
        metavar="MODULE:FACTORY",
        help="the World to certify: a callable (class, function, async function) returning a World, "
        f"e.g. reference_worlds.memory:MemoryWorld. Also from ${ENV_VAR} or the 'world' ini option.",
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
        help="write each invariant's outcome, reason and duration to FILE as JSON.",
    )
    group.addoption(
        "--world-profile",
        choices=sorted(PROFILES),
        default=DEFAULT_PROFILE,
        help="how hard to look: model examples and steps, race rounds and width, deadlines "
        f"(default {DEFAULT_PROFILE}).",
    )
    group.addoption(
        "--world-seed",
        type=int,
        metavar="N",
        help="seed of every random choice (printed in the report header): replays a run.",
    )
    parser.addini("world", "the World to certify (MODULE:FACTORY), as --world", default=None)


def _world_spec(config: pytest.Config) -> WorldSpec | None:
    options = parse_world_options(config.getoption("world_opt"))
    if config.getoption("world"):
        return WorldSpec(config.getoption("world"), options, "--world option")
    if os.environ.get(ENV_VAR):
        return WorldSpec(os.environ[ENV_VAR], options, f"${ENV_VAR}")
    if config.getini("world"):
        return WorldSpec(str(config.getini("world")), options, f"'world' in {config.inipath}")
    return None


async def _probe(spec: WorldSpec) -> tuple[list[str], int | None]:
    world = await open_world(spec)
    try:
        return capabilities_of(world).enabled(), getattr(world, "spec_version", None)
    finally:
        await close_world(world)


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
        capabilities, spec_version = asyncio.run(_probe(spec))
        xfail_file = config.getoption("world_xfail")
        known = load_known_failures(Path(xfail_file)) if xfail_file else {}
    except (WorldLoadError, KnownFailuresError) as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[_SPEC] = spec
    profile = PROFILES[config.getoption("world_profile")]
    register_profiles(config.rootpath)
    hypothesis_settings.load_profile(f"worldspec-{profile.name}")
    config.stash[_PROFILE] = profile
    given_seed = config.getoption("world_seed")
    config.stash[_SEED] = given_seed if given_seed is not None else random.SystemRandom().randrange(2**32)
    config.stash[_CAPABILITIES] = capabilities
    config.stash[_KNOWN] = known
    config.stash[_OUTCOMES] = OutcomeLog(spec.target, spec.options, capabilities, spec_version)
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args = [str(SUITES_DIR)]


def pytest_report_header(config: pytest.Config) -> list[str]:
    if _SPEC not in config.stash:
        return []
    spec = config.stash[_SPEC]
    outcomes = config.stash[_OUTCOMES]
    capabilities: list[str] = config.stash[_CAPABILITIES]
    options = f" {spec.options}" if spec.options else ""
    return [
        f"worldspec {worldspec.KIT_VERSION}: World {spec.target}{options} (from {spec.source})",
        f"worldspec: contract spec version {worldspec.SPEC_VERSION_CURRENT}; "
        f"the World reports {outcomes.spec_version}",
        f"worldspec: capabilities in force: {', '.join(capabilities) or 'none'}",
        f"worldspec: profile {config.stash[_PROFILE].name}, seed {config.stash[_SEED]} "
        f"(replay with --world-seed={config.stash[_SEED]})",
    ]


@pytest.fixture
def world(request: pytest.FixtureRequest) -> WorldSpec:
    """The World under test. Suites declare ``world`` and receive a fresh, started World;
    the kit closes it after the test."""
    if _SPEC not in request.config.stash:
        pytest.skip("no World given: pass --world=module:Factory")
    return request.config.stash[_SPEC]


@pytest.fixture
def world_spec(request: pytest.FixtureRequest) -> WorldSpec:
    """Where the World under test comes from, for tests that open Worlds themselves."""
    if _SPEC not in request.config.stash:
        pytest.skip("no World given: pass --world=module:Factory")
    return request.config.stash[_SPEC]


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


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _KNOWN not in config.stash:
        return
    known = config.stash[_KNOWN]
    matched: set[str] = set()
    for item in items:
        found = invariant_of(getattr(item, "function", None))
        if found is not None and found.id in known:
            entry = known[found.id]
            matched.add(found.id)
            item.add_marker(
                pytest.mark.xfail(reason=f"known failure: {entry.reason} ({entry.link})", strict=True)
            )
    config.stash[_UNMATCHED] = sorted(set(known) - matched)


def _run_coroutine_test(item: pytest.Function, spec: WorldSpec) -> None:
    test: Callable[..., Any] = item.obj
    arguments = {name: item.funcargs[name] for name in item._fixtureinfo.argnames}
    recorder = Recorder()
    item.stash[_RECORDER] = recorder
    loop = asyncio.new_event_loop()
    hypothesis = getattr(test, "hypothesis", None)
    if hypothesis is not None:
        hypothesis_seed(_test_seed(item.config, item.name))(test)
    try:
        world = loop.run_until_complete(open_world(spec)) if "world" in arguments else None
        if world is not None:
            arguments["world"] = RecordingWorld(world, recorder)
        try:
            if hypothesis is not None:
                inner = hypothesis.inner_test
                hypothesis.inner_test = lambda **kw: loop.run_until_complete(inner(**kw))
                try:
                    test(**arguments)
                finally:
                    hypothesis.inner_test = inner
            else:
                loop.run_until_complete(test(**arguments))
        except BaseException:
            if world is not None:
                item.stash[_LOGS] = loop.run_until_complete(_logs_of(world, recorder.run_ids))
                item.stash[_DIAGNOSTICS] = diagnostics_of(world)
            raise
        finally:
            if world is not None:
                loop.run_until_complete(close_world(world))
    finally:
        loop.close()


async def _logs_of(world: Any, run_ids: list[str]) -> dict[str, Any]:
    logs: dict[str, Any] = {}
    for run_id in run_ids[:5]:
        try:
            listed = await world.events.list(run_id, pagination=worldspec.PaginationOptions(limit=100))
            logs[run_id] = listed.data
        except Exception as error:
            logs[run_id] = f"events.list raised {type(error).__name__}: {error}"
    return logs


def _is_coroutine_test(test: Any) -> bool:
    inner = getattr(getattr(test, "hypothesis", None), "inner_test", None)
    return inspect.iscoroutinefunction(test) or inspect.iscoroutinefunction(inner)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if not _is_coroutine_test(pyfuncitem.obj):
        return None
    spec = pyfuncitem.config.stash.get(_SPEC, None)
    if spec is None:
        pytest.skip("no World given: pass --world=module:Factory")
    found = invariant_of(pyfuncitem.obj)
    try:
        _run_coroutine_test(pyfuncitem, spec)
    except (pytest.fail.Exception, AssertionError) as error:
        if found is None or found.level != "SHOULD":
            raise
        pyfuncitem.stash[_SHOULD_VIOLATION] = str(error)
        warnings.warn(ShouldViolation(f"{found.id} (SHOULD) {found.statement}\n{error}"), stacklevel=1)
    return True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    found = invariant_of(getattr(item, "function", None))
    if found is not None and report.when == "call" and report.failed and _SPEC in item.config.stash:
        sections = failure_sections(
            found,
            item.config.stash[_SPEC],
            item.stash.get(_RECORDER, Recorder()),
            item.stash.get(_LOGS, {}),
            item.stash.get(_DIAGNOSTICS, ""),
        )
        report.sections.extend(sections)
        report.sections.append(
            (
                "worldspec: replay this run",
                f"--world-profile={item.config.stash[_PROFILE].name} --world-seed={item.config.stash[_SEED]}",
            )
        )
    if found is not None and _OUTCOMES in item.config.stash:
        item.config.stash[_OUTCOMES].record(found, report, item.stash.get(_SHOULD_VIOLATION, None))
    return report


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    unmatched = config.stash.get(_UNMATCHED, [])
    if unmatched:
        terminalreporter.section("worldspec: stale known failures", red=True)
        for ident in unmatched:
            terminalreporter.line(f"{ident} is listed in --world-xfail but no collected test checks it")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if config.stash.get(_UNMATCHED, []) and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    report_path = config.getoption("world_report", None)
    if report_path and _OUTCOMES in config.stash:
        config.stash[_OUTCOMES].write(Path(report_path))
