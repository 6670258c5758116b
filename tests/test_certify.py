"""``worldspec certify`` and ``worldspec invariants`` end to end, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from conformance.catalogue.entries import INVARIANTS, invariants_of_line
from conformance.catalogue.implemented import implementing_tests
from conformance.certify.command import usable_cores
from reference_worlds.local import LocalWorld
from reference_worlds.memory import MemoryWorld
from tests.broken_worlds import TruncatedPreload
from tests.child_environment import child_environment
from tests.kit_runner import passes_everything_it_declares
from tests.postgres_support import postgres_dsn
from worldspec.capabilities import Capabilities
from worldspec.lines import SpecLine

REPO = Path(__file__).resolve().parent.parent
REPORT_FILES = ("report.json", "report.md", "report.html", "badge.svg")
BROKEN = TruncatedPreload
BROKEN_TARGET = f"{BROKEN.__module__}:{BROKEN.__name__}"
MEMORY_WORLD_SKIPS = {"LIN-006", "FAULT-001", "FAULT-002", "FAULT-003", "FAULT-004"}
"""Invariants the memory World skips: it is not shared between processes, and it has no fault
hook (what would a kill leave of a World that keeps nothing?)."""


class MemoryWorldWithoutStreams(MemoryWorld):
    """Declares the required ``streams`` capability absent: its stream tests are skipped."""

    worldspec_capabilities = MemoryWorld.worldspec_capabilities.replace(streams=False)


class MemoryWorldDeclaringNothing(MemoryWorld):
    """Declares no capability and has no backdoor: a World that says nothing gets the defaults,
    so the kit skips what needs legacy seeding, the legacy codec, the state guard, delays and
    several processes."""

    worldspec_capabilities = Capabilities()

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.worldspec_backdoor = None


def memory_world_with_secrets(password: str, dsn: str, config: dict[str, Any]) -> MemoryWorld:
    """A Factory taking secrets, so the test can look for them in the reports."""
    return MemoryWorld()


def worldspec(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance", *arguments],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env=child_environment(CI="true"),
    )


def certify(
    out: Path, target: str, *arguments: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    process = worldspec("certify", target, "--out", str(out), *arguments)
    report_path = out / "report.json"
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    return process, report


def test_memory_world_is_certified_full(tmp_path: Path) -> None:
    process, report = certify(tmp_path, "reference_worlds.memory:MemoryWorld")
    assert process.returncode == 0, process.stdout + process.stderr
    assert all((tmp_path / name).is_file() for name in REPORT_FILES)
    implemented = set(implementing_tests(SpecLine.LINE_4))
    assert {entry["id"] for entry in report["invariants"]} == implemented
    assert set(report["notChecked"]) == set(invariants_of_line(SpecLine.LINE_4)) - implemented
    assert report["line"] == "4.x"
    skipped = {entry["id"] for entry in report["invariants"] if entry["outcome"] == "skip"}
    assert skipped == MEMORY_WORLD_SKIPS, "the memory World lacks only what MEMORY_WORLD_SKIPS says"
    assert {entry["outcome"] for entry in report["invariants"]} == {"pass", "skip"}
    for entry in report["invariants"]:
        assert entry["statement"] == INVARIANTS[entry["id"]].statement
        assert entry["family"] == INVARIANTS[entry["id"]].family.prefix
        if entry["outcome"] != "skip":
            assert entry["rerun"].endswith(f"--world-seed={report['run']['seed']} -k {entry['id']}")
        assert entry["duration"] >= 0
    assert report["certification"] == {
        **report["certification"],
        "requestedLevel": "core",
        "reachedLevel": "full",
        "certified": True,
    }
    assert report["world"]["factory"] == "reference_worlds.memory:MemoryWorld"
    assert report["world"]["package"] == {
        "kind": "python",
        "name": "worldspec",
        "version": report["kitVersion"],
    }
    assert report["environment"]["ci"] == "true"
    assert ">full</text>" in (tmp_path / "badge.svg").read_text()


def test_a_broken_world_fails_with_failures_first_and_their_repro(tmp_path: Path) -> None:
    process, report = certify(tmp_path, BROKEN_TARGET)
    assert process.returncode == 1, process.stdout + process.stderr
    failed = {entry["id"] for entry in report["invariants"] if entry["outcome"] == "fail"}
    assert failed == set(BROKEN.breaks)
    assert report["certification"]["reachedLevel"] is None
    assert {blocker["id"] for blocker in report["certification"]["levels"]["core"]["blockers"]} == failed
    markdown = (tmp_path / "report.md").read_text()
    html = (tmp_path / "report.html").read_text()
    for ident in failed:
        seed = report["run"]["seed"]
        rerun = f"pytest --world={BROKEN_TARGET} --world-profile=ci --world-seed={seed} -k {ident}"
        assert rerun in markdown and rerun in html
        assert f"FAIL {ident}:" in process.stdout
    first_problem = markdown.index("## Not passed")
    passing = [entry["id"] for entry in report["invariants"] if entry["outcome"] == "pass"]
    assert all(markdown.index(f"### {ident}") > first_problem for ident in failed)
    assert all(f"### {ident}" not in markdown for ident in passing)
    table = markdown[markdown.index("## Every checked invariant") :].splitlines()[4:]
    assert [row.split(" | ")[2] for row in table[: len(failed)]] == ["fail"] * len(failed)
    assert html.index('class="problem" id=') < html.index('id="invariants"')
    assert all(
        entry["reason"].startswith("expected: ") for entry in report["invariants"] if entry["id"] in failed
    )
    assert "not certified</text>" in (tmp_path / "badge.svg").read_text()


def test_known_failures_are_reported_but_do_not_certify(tmp_path: Path) -> None:
    known = tmp_path / "known.toml"
    known.write_text(
        "".join(
            f'[[known_failure]]\nid = "{ident}"\nreason = "tracked"\nlink = "https://example.org/{ident}"\n'
            for ident in sorted(BROKEN.breaks)
        )
    )
    process, report = certify(tmp_path / "out", BROKEN_TARGET, "--xfail", str(known))
    assert process.returncode == 1, process.stdout + process.stderr
    outcomes = {entry["id"]: entry["outcome"] for entry in report["invariants"]}
    assert {ident for ident, outcome in outcomes.items() if outcome == "expected-fail"} == set(BROKEN.breaks)
    assert "fail" not in outcomes.values()
    assert report["run"]["knownFailures"] == str(known)


def test_a_required_capability_declared_absent_caps_the_level_at_core(tmp_path: Path) -> None:
    target = f"{__name__}:MemoryWorldWithoutStreams"
    core, report = certify(tmp_path / "core", target)
    full, _ = certify(tmp_path / "full", target, "--level", "full")
    assert core.returncode == 0, core.stdout + core.stderr
    assert full.returncode == 1, full.stdout + full.stderr
    skipped = {
        entry["id"] for entry in report["invariants"] if entry["outcome"] == "skip"
    } - MEMORY_WORLD_SKIPS
    assert skipped and all(ident.startswith("STRM-") for ident in skipped)
    assert report["certification"]["reachedLevel"] == "core"
    assert {blocker["id"] for blocker in report["certification"]["levels"]["full"]["blockers"]} == skipped


def test_secrets_never_reach_the_reports(tmp_path: Path) -> None:
    password, db_password, nested = "hunter2-pw", "s3cr3t-db-pw", "nested-token-value"
    process, report = certify(
        tmp_path,
        f"{__name__}:memory_world_with_secrets",
        "--opt",
        f"password={password}",
        "--opt",
        f"dsn=postgresql://app:{db_password}@127.0.0.1:5432/test",
        "--opt",
        "config=" + json.dumps({"apiToken": nested, "region": "eu"}),
    )
    assert process.returncode == 0, process.stdout + process.stderr
    for text in [process.stdout, process.stderr, *((tmp_path / name).read_text() for name in REPORT_FILES)]:
        assert password not in text and db_password not in text and nested not in text
    assert report["world"]["options"] == {
        "password": "***",
        "dsn": "postgresql://app:***@127.0.0.1:5432/test",
        "config": {"apiToken": "***", "region": "eu"},
    }


def test_usage_errors_exit_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    for arguments in (
        ["reference_worlds.memory:MemoryWorld", "--out", str(tmp_path / "a-file")],
        ["reference_worlds.memory:MemoryWorld", "--xfail", str(tmp_path / "missing.toml")],
        ["no_such_module:World"],
        ["reference_worlds.memory:NoSuchFactory"],
        ["reference_worlds.memory:MemoryWorld", "--opt", "not-a-pair"],
        ["reference_worlds.memory:MemoryWorld", "--opt", "unexpected=1"],
        ["reference_worlds.memory:MemoryWorld", "--timeout", "0"],
        ["reference_worlds.memory:MemoryWorld", "-n", "0"],
        ["reference_worlds.memory:MemoryWorld", "-n", "many"],
    ):
        process = worldspec("certify", "--out", str(tmp_path), *arguments)
        assert process.returncode == 2, (arguments, process.stdout, process.stderr)
        assert "Traceback" not in process.stdout + process.stderr
        assert len(process.stderr.strip().splitlines()) == 1, process.stderr
        assert process.stderr.startswith("worldspec certify: error: ")
        assert not (tmp_path / "report.json").exists()


def test_auto_workers_run_one_worker_per_core_for_a_world_in_python(tmp_path: Path) -> None:
    memory = "reference_worlds.memory:MemoryWorld"
    process, report = certify(tmp_path, memory, "--profile", "quick", "-n", "auto")
    assert process.returncode == 0, process.stdout + process.stderr
    cores = usable_cores()
    if cores > 1:
        assert f"-n={cores}" in report["run"]["command"], report["run"]["command"]
    else:
        assert "-n=" not in report["run"]["command"], "one core: one process, no xdist"


def test_the_report_names_the_profile_that_ran(tmp_path: Path) -> None:
    process, report = certify(tmp_path / "quick", "reference_worlds.memory:MemoryWorld", "--profile", "quick")
    assert process.returncode == 0, process.stdout + process.stderr
    assert report["run"]["profile"] == "quick"
    assert "profile quick" in (tmp_path / "quick" / "report.md").read_text()
    _, default = certify(tmp_path / "default", "reference_worlds.memory:MemoryWorld")
    assert default["run"]["profile"] == "ci"


def test_a_world_declaring_nothing_reaches_the_level_its_passes_allow(tmp_path: Path) -> None:
    process, report = certify(tmp_path, f"{__name__}:MemoryWorldDeclaringNothing", "--level", "full")
    assert process.returncode == 0, process.stdout + process.stderr
    skipped = {
        entry["id"]: entry["skipped_for"] for entry in report["invariants"] if entry["outcome"] == "skip"
    }
    assert skipped == {
        "LEG-002": "legacy_seeding",
        "LEG-006": "legacy_seeding",
        "LEG-007": "legacy_codec",
        "ERR-003": "state_guard",
        "Q-006": "delay",
        "LIN-006": "multi_process",
        "FAULT-001": "faults",
        "FAULT-002": "faults",
        "FAULT-003": "faults",
        "FAULT-004": "faults",
        "COH-006": "occurred_at",
    }
    assert report["certification"]["reachedLevel"] == "full"


def test_local_world_is_certified_full_and_passes_everything(tmp_path: Path) -> None:
    process, report = certify(tmp_path, "reference_worlds.local:LocalWorld", "--level", "full")
    assert process.returncode == 0, process.stdout + process.stderr
    assert report["certification"]["reachedLevel"] == "full"
    passes_everything_it_declares(report, LocalWorld)


def test_postgres_world_is_certified_full_and_passes_everything(tmp_path: Path) -> None:
    from reference_worlds.postgres import PostgresWorld

    dsn = postgres_dsn()
    process, report = certify(
        tmp_path, "reference_worlds.postgres:PostgresWorld", "--opt", f"dsn={dsn}", "--level", "full"
    )
    assert process.returncode == 0, process.stdout + process.stderr
    assert report["certification"]["reachedLevel"] == "full"
    passes_everything_it_declares(report, PostgresWorld)


def test_invariants_lists_the_whole_catalogue() -> None:
    listed = json.loads(worldspec("invariants", "--json").stdout)
    assert [row["id"] for row in listed] == list(INVARIANTS)
    assert len(listed) >= 100
    for row in listed:
        invariant = INVARIANTS[row["id"]]
        assert row["title"] == invariant.statement
        assert row["family"] == invariant.family.prefix
        assert row["required"] is (invariant.level == "MUST")
    table = worldspec("invariants").stdout.splitlines()
    assert table[-1] == f"{len(INVARIANTS)} invariants"
    assert any(line.startswith("LIST-008") and "optional (SHOULD)" in line for line in table)


def test_the_command_line_does_not_import_pytest() -> None:
    probe = "import sys, conformance.cli as cli; cli.build_parser(); print('pytest' in sys.modules)"
    shown = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert shown.stdout.strip() == "False", shown.stderr


def _outcomes(report: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    return {entry["id"]: (entry["outcome"], entry["skipped_for"]) for entry in report["invariants"]}


def test_certify_on_several_workers_reports_what_one_process_reports(tmp_path: Path) -> None:
    for target in ("reference_worlds.memory:MemoryWorld", "reference_worlds.local:LocalWorld"):
        serial, one = certify(tmp_path / "one", target, "--profile", "quick")
        parallel, two = certify(tmp_path / "two", target, "--profile", "quick", "-n", "2")
        assert serial.returncode == parallel.returncode == 0, parallel.stdout + parallel.stderr
        assert _outcomes(two) == _outcomes(one)
        assert two["certification"]["reachedLevel"] == one["certification"]["reachedLevel"] == "full"
        assert "-n=2" in two["run"]["command"]
        assert "FAIL" not in parallel.stdout and "LIN  " in parallel.stdout, "progress per family"


def test_the_report_command_replays_the_run_with_its_seed(tmp_path: Path) -> None:
    """The report's command carries the seed the run used, and ``--seed`` runs the kit on it:
    certifying again with that command's seed gives the same seed and the same outcomes."""
    _, report = certify(tmp_path / "first", BROKEN_TARGET)
    seed = report["run"]["seed"]
    command = report["run"]["command"]
    assert f"--seed={seed}" in command, command
    again, replayed = certify(tmp_path / "again", BROKEN_TARGET, f"--seed={seed}")
    assert replayed["run"]["seed"] == seed, again.stdout + again.stderr
    outcomes = {entry["id"]: entry["outcome"] for entry in report["invariants"]}
    assert {entry["id"]: entry["outcome"] for entry in replayed["invariants"]} == outcomes
