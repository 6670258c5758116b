"""The plugin as a user meets it: where --world comes from, bad input, selection, known failures,
and what a failure report shows."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.child_environment import as_console_script, child_environment

REPO = Path(__file__).resolve().parent.parent
MEMORY = "reference_worlds.memory:MemoryWorld"


def run_pytest(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """pytest in an empty directory, with the repository importable (as an installed kit is)."""
    environment = child_environment()
    environment.update(PYTHONPATH=str(REPO), **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )


def test_world_option_collects_the_suites_in_an_empty_directory(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, f"--world={MEMORY}", "-q")
    assert result.returncode == 0, result.stdout[-3000:]
    assert re.search(r"\b\d{2,} passed\b", result.stdout)


@pytest.mark.parametrize("source", ["env", "ini"])
def test_world_from_environment_or_ini(tmp_path: Path, source: str) -> None:
    if source == "ini":
        (tmp_path / "pytest.ini").write_text(f"[pytest]\nworld = {MEMORY}\n")
        result = run_pytest(tmp_path, "-k", "RUN-014")
        expected = "'world' in"
    else:
        result = run_pytest(tmp_path, "-k", "RUN-014", env={"WORLDSPEC_WORLD": MEMORY})
        expected = "$WORLDSPEC_WORLD"
    assert result.returncode == 0, result.stdout[-3000:]
    assert f"World {MEMORY} (from {expected}" in result.stdout
    assert "1 passed" in result.stdout


def test_header_names_world_kit_spec_and_capabilities(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, f"--world={MEMORY}", "--world-opt", "preload_limit=2", "-k", "RS-006")
    assert f"worldspec 0.1.0: World {MEMORY} {{'preload_limit': 2}} (from --world option)" in result.stdout
    assert "judged on the 4.x line (the World declares 3), contract spec version 3" in result.stdout
    assert "capabilities in force: streams, queue_delivery, preload, legacy_seeding" in result.stdout
    assert result.returncode == 0, result.stdout[-3000:]


def test_header_shows_only_the_capabilities_that_gate_tests_of_the_judged_line(tmp_path: Path) -> None:
    """MemoryWorld has ``create_run_id`` on both lines; only the 5.x line has a test it gates."""
    shown = {}
    for line, arguments in {"4.x": (), "5.x": ("--world-opt", "spec_version=7")}.items():
        result = run_pytest(tmp_path, f"--world={MEMORY}", *arguments, "-k", "RUN-002")
        assert result.returncode == 0, result.stdout[-3000:]
        header = next(row for row in result.stdout.splitlines() if "capabilities in force:" in row)
        shown[line] = set(header.split("capabilities in force: ")[1].split(", "))
    assert "create_run_id" in shown["5.x"] and "create_run_id" not in shown["4.x"], shown
    assert {"streams", "queue_delivery", "state_guard"} <= shown["4.x"], shown


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("no_such_module:World", "cannot import module 'no_such_module'"),
        ("reference_worlds.memory:Nope", "module 'reference_worlds.memory' has no attribute 'Nope'"),
        ("reference_worlds.memory", "--world expects module:Factory"),
        ("reference_worlds.memory:system_clock", "returned an object of type datetime, not a World"),
        ("tests.broken_factories:raising_factory", "raising_factory raised: ConnectionError"),
        ("tests.broken_factories:half_a_world", "protocol: queue, create_queue_handler"),
    ],
)
def test_bad_world_is_one_clear_usage_error(tmp_path: Path, target: str, message: str) -> None:
    result = run_pytest(tmp_path, f"--world={target}")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_selection_by_family_marker(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, f"--world={MEMORY}", "-m", "legacy", "-v")
    assert result.returncode == 0, result.stdout[-3000:]
    selected = set(re.findall(r"\[(LEG-\d+|[A-Z]+-\d+)\] PASSED", result.stdout))
    assert selected and all(ident.startswith("LEG-") for ident in selected)


def test_missing_capability_skips_with_its_name(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, "--world=tests.broken_factories:NoPreloadDeclared", "-k", "RS-006", "-rs")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "the World lacks preload" in result.stdout


def test_failure_report_shows_invariant_logs_repro_and_rerun(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, "--world=tests.broken_worlds:TruncatedPreload", "-k", "RS-006")
    assert result.returncode == 1
    out = result.stdout
    assert "RS-006 MUST (resilient start, §5)" in out
    assert "event logs of the runs involved" in out
    assert "<2 bytes: 00 ff>" in out
    rerun = (
        r"pytest --world=tests.broken_worlds:TruncatedPreload --world-profile=ci --world-seed=\d+ -k RS-006"
    )
    assert re.search(rerun, out)
    program = out.split("worldspec: reproduce against the World directly")[1].split("\n", 1)[1]
    program = program.split("\n-----")[0].split("\n_____")[0]
    replay = subprocess.run(
        [sys.executable, "-c", program], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert replay.returncode == 0, program + replay.stderr


def test_unexpected_world_exception_fails_only_that_test(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, "--world=tests.broken_factories:ExplodingHooksGet", "-q", "-m", "binary")
    assert "1 failed" in result.stdout and "passed" in result.stdout, result.stdout[-3000:]
    assert "BIN-001" in result.stdout and "RuntimeError: hooks.get exploded" in result.stdout


def _known_failures(tmp_path: Path, *ids: str) -> Path:
    entries = "".join(
        f'[[known_failure]]\nid = "{ident}"\nreason = "tracked"\nlink = "https://example.org/{ident}"\n\n'
        for ident in ids
    )
    path = tmp_path / "known.toml"
    path.write_text(entries)
    return path


def test_known_failure_runs_as_expected_failure(tmp_path: Path) -> None:
    known = _known_failures(tmp_path, "RS-006")
    result = run_pytest(
        tmp_path, "--world=tests.broken_worlds:TruncatedPreload", f"--world-xfail={known}", "-q", "-rx"
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "1 xfailed" in result.stdout and "known failure: tracked" in result.stdout


def test_known_failure_that_passes_fails_the_run(tmp_path: Path) -> None:
    known = _known_failures(tmp_path, "RS-006")
    result = run_pytest(tmp_path, f"--world={MEMORY}", f"--world-xfail={known}", "-q")
    assert result.returncode == 1
    assert "XPASS(strict)" in result.stdout


def _sometimes_failing(tmp_path: Path, ident: str) -> Path:
    path = tmp_path / "sometimes.toml"
    path.write_text(
        f'[[known_failure]]\nid = "{ident}"\nreason = "a race"\nlink = "https://example.org/{ident}"\n'
        'sometimes = "failed in 3 of 10 runs"\n'
    )
    return path


@pytest.mark.parametrize(
    ("world", "outcome"),
    [("tests.broken_worlds:TruncatedPreload", "expected-fail"), (MEMORY, "pass")],
    ids=["shows", "does-not-show"],
)
def test_a_known_failure_that_shows_sometimes_passes_the_run_either_way(
    tmp_path: Path, world: str, outcome: str
) -> None:
    known = _sometimes_failing(tmp_path, "RS-006")
    records = tmp_path / "records.jsonl"
    result = run_pytest(
        tmp_path,
        f"--world={world}",
        f"--world-xfail={known}",
        f"--world-records={records}",
        "-q",
        "-k",
        "RS-006",
    )
    assert result.returncode == 0, result.stdout[-3000:]
    finished = [json.loads(line) for line in records.read_text().splitlines()]
    record = next(m["record"] for m in finished if m["event"] == "finished" and m["record"]["id"] == "RS-006")
    assert record["outcome"] == outcome
    assert record["finding"] == "https://example.org/RS-006"
    if outcome == "pass":
        assert "failed in 3 of 10 runs" in record["reason"]


STALE = "ATTR-002 is listed in --world-xfail but no test of the kit judges it on the 4.x line"
"""ATTR-002 is judged on the 5.x line only, and MemoryWorld is judged on the 4.x line."""


def test_stale_known_failure_entry_fails_the_run(tmp_path: Path) -> None:
    known = _known_failures(tmp_path, "ATTR-002")
    only_runs = str(REPO / "conformance" / "suites" / "test_runs.py")
    result = run_pytest(tmp_path, f"--world={MEMORY}", f"--world-xfail={known}", "-q", only_runs)
    assert result.returncode == 1
    assert STALE in result.stdout


def test_stale_known_failure_entry_fails_a_run_on_several_workers(tmp_path: Path) -> None:
    known = _known_failures(tmp_path, "ATTR-002")
    only_runs = str(REPO / "conformance" / "suites" / "test_runs.py")
    result = run_pytest(tmp_path, f"--world={MEMORY}", f"--world-xfail={known}", "-q", "-n", "2", only_runs)
    assert result.returncode == 1, result.stdout + result.stderr
    assert STALE in result.stdout


@pytest.mark.parametrize(
    "narrowed", [("-k", "RUN-013"), (str(REPO / "conformance" / "suites" / "test_runs.py"),)]
)
def test_known_failures_left_out_of_a_narrowed_run_are_not_judged(
    tmp_path: Path, narrowed: tuple[str, ...]
) -> None:
    """A run narrowed by ``-k`` or a path to tests that pass neither fails nor calls the file's
    other entries stale: it names them as not judged."""
    known = _known_failures(tmp_path, "STRM-003")
    result = run_pytest(tmp_path, f"--world={MEMORY}", f"--world-xfail={known}", "-q", *narrowed)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "stale known failures" not in result.stdout
    assert "STRM-003: listed in --world-xfail, but their tests were not selected in this run" in result.stdout


def test_malformed_known_failures_file_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[known_failure]]\nid = "RS-006"\n')
    result = run_pytest(tmp_path, f"--world={MEMORY}", f"--world-xfail={bad}")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "lacks reason, link" in result.stderr


def _user_project(root: Path) -> Path:
    """A folder holding a World package, as a user's checkout would: ``sqlite_world/world.py``."""
    package = root / "sqlite_world"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "world.py").write_text(
        "from reference_worlds.memory import MemoryWorld\n\n\nclass SQLiteWorld(MemoryWorld):\n    pass\n"
    )
    return root


def _console_script(name: str) -> str:
    """The console script ``name`` of the Python running the tests: unlike ``python -m``, a
    console script does not put the current directory on the import path."""
    return str(Path(sys.executable).with_name(name))


def test_the_factory_module_is_found_in_the_directory_pytest_runs_from(tmp_path: Path) -> None:
    project = _user_project(tmp_path)
    environment = child_environment()
    found = subprocess.run(
        [
            *as_console_script("pytest"),
            "-p",
            "no:cacheprovider",
            "--world=sqlite_world.world:SQLiteWorld",
            "-k",
            "RUN-014",
            "-q",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )
    assert found.returncode == 0, found.stdout[-3000:] + found.stderr[-3000:]
    assert "1 passed" in found.stdout


def test_a_module_found_nowhere_is_one_sentence_from_pytest_and_certify(tmp_path: Path) -> None:
    environment = child_environment()
    expected = (
        "cannot import module 'sqlite_world.world' named by --world sqlite_world.world:SQLiteWorld: "
        f"it is neither installed nor in the current directory {tmp_path}"
    )
    from_pytest = run_pytest(tmp_path, "--world=sqlite_world.world:SQLiteWorld")
    from_certify = subprocess.run(
        [_console_script("worldspec"), "certify", "sqlite_world.world:SQLiteWorld", "--out", "certification"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )
    assert from_pytest.returncode == pytest.ExitCode.USAGE_ERROR
    assert expected in from_pytest.stderr
    assert from_certify.returncode != 0
    assert expected in from_certify.stdout + from_certify.stderr
    for process in (from_pytest, from_certify):
        assert "Traceback" not in process.stdout + process.stderr
