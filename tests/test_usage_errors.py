"""A first-time user's mistakes, met through ``pytest --world=...`` and ``worldspec certify``:
each is one sentence naming the mistake (pytest's usage status 4, certify's 2), never a
traceback, a hang, or a report that is not this run's; Ctrl-C stops the kit at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance.certify.command import kit_usage_message
from tests.child_environment import child_environment
from tests.test_certify import worldspec
from tests.test_plugin import MEMORY, REPO, run_pytest

BROKEN = "tests.broken_factories"


def _one_clear_line(process: subprocess.CompletedProcess[str], message: str) -> None:
    """The run ended as a usage error whose message holds ``message``, with no traceback."""
    shown = process.stdout + process.stderr
    assert process.returncode == pytest.ExitCode.USAGE_ERROR, shown[-3000:]
    assert message in process.stderr, process.stderr[-3000:]
    assert "Traceback" not in shown and "INTERNALERROR" not in shown, shown[-3000:]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([f"--world={BROKEN}:exits"], f"the Factory {BROKEN}:exits raised: SystemExit: 3"),
        (
            [f"--world={BROKEN}:needs_a_dsn"],
            "missing a required argument: 'dsn'; it takes dsn, given with --world-opt KEY=VALUE",
        ),
        (
            [f"--world={MEMORY}", "--world-opt", "nope=1"],
            "unexpected keyword argument 'nope'; it takes clock, preload_limit",
        ),
        ([f"--world={BROKEN}:returns_nothing"], "returned None, not a World"),
        (
            [f"--world={MEMORY}", "--world-timeout=inf"],
            "--world-timeout must be a positive number of seconds",
        ),
        (
            [f"--world={MEMORY}", "--world-timeout=nan"],
            "--world-timeout must be a positive number of seconds",
        ),
        ([f"--world={MEMORY}", "--world-budget=inf"], "--world-budget must be a positive number of seconds"),
        ([f"--world={MEMORY}", "--world-spec=4"], "--world-spec 4 names no line of the contract"),
        (
            ["--world=reference_worlds.node:NodeWorld", "--world-opt=package=x", "--world-opt=config=oops"],
            "config must be a JSON object such as config=",
        ),
        (
            ["--world=reference_worlds.node:NodeWorld", "--world-opt=package=x", "--world-opt=env=[1]"],
            "env must be a JSON object such as env=",
        ),
    ],
)
def test_a_factory_or_option_mistake_is_one_sentence(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    _one_clear_line(run_pytest(tmp_path, *arguments), message)


def test_a_module_that_exits_while_imported_is_named(tmp_path: Path) -> None:
    (tmp_path / "parses_argv.py").write_text("import sys\n\nsys.exit('usage: parses_argv.py DSN')\n")
    process = run_pytest(tmp_path, "--world=parses_argv:World")
    _one_clear_line(
        process, "importing module 'parses_argv' named by --world parses_argv:World failed: SystemExit"
    )


@pytest.mark.parametrize(
    ("option", "path", "message"),
    [
        ("--world-report", ".", "--world-report . is a directory; give the path of a file to write"),
        ("--world-records", "a-file/records.jsonl", "--world-records: cannot write into the directory of"),
    ],
)
def test_a_report_path_that_cannot_be_written_is_refused_before_the_run(
    tmp_path: Path, option: str, path: str, message: str
) -> None:
    (tmp_path / "a-file").write_text("")
    _one_clear_line(run_pytest(tmp_path, f"--world={MEMORY}", f"{option}={path}"), message)


def test_a_refused_spec_override_writes_no_refusal_report(tmp_path: Path) -> None:
    """``--world-spec 4`` is the user's mistake: no report says the World was refused."""
    report = tmp_path / "report.json"
    process = run_pytest(tmp_path, f"--world={MEMORY}", "--world-spec=4", f"--world-report={report}")
    _one_clear_line(process, "give 3 (the 4.x line) or 6 or 7 (the 5.x line)")
    assert not report.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '[known_failure]\nid = "RUN-014"\nreason = "r"\nlink = "l"\n',
            "written [[known_failure]] (two brackets)",
        ),
        ('[[known_failures]]\nid = "RUN-014"\n', "unknown top-level key known_failures"),
        (
            '[[known_failure]]\nid = "RUN-014"\nreason = "r"\nlink = "l"\nsometime = "1 of 2"\n',
            "unknown field sometime",
        ),
        (
            '[[known_failure]]\nid = "RUN-014"\nreason = "r"\nlink = "l"\n' * 2,
            "#2 lists RUN-014 again; give each invariant one entry",
        ),
        ('[[known_failure]]\nid = 14\nreason = "r"\nlink = "l"\n', "id must be a non-empty string, got 14"),
    ],
    ids=["one-bracket", "misspelt-table", "misspelt-field", "listed-twice", "id-not-a-string"],
)
def test_a_malformed_known_failures_file_names_its_mistake(
    tmp_path: Path, content: str, message: str
) -> None:
    known = tmp_path / "known.toml"
    known.write_text(content)
    _one_clear_line(run_pytest(tmp_path, f"--world={MEMORY}", f"--world-xfail={known}"), message)


def test_a_known_failures_file_that_is_not_text_is_named(tmp_path: Path) -> None:
    known = tmp_path / "known.toml"
    known.write_bytes(b"\xff\xfe[[known_failure]]")
    _one_clear_line(run_pytest(tmp_path, f"--world={MEMORY}", f"--world-xfail={known}"), "is not UTF-8 text")


def _interrupted(
    tmp_path: Path, marker: Path, *command: str
) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run ``command`` from ``tmp_path`` in a process group of its own, press Ctrl-C (SIGINT to
    the group) once ``marker`` exists, and return what it printed and how long it took to stop."""
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_environment(PYTHONPATH=str(REPO)),
        start_new_session=True,
        # as in a terminal: a process an xdist worker starts inherits SIGINT ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    pressed = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)
    try:
        stdout, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
    waited = time.monotonic() - pressed
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr), waited


def _pytest(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *arguments]


def test_ctrl_c_while_a_world_blocks_its_loop_stops_at_once_and_leaves_no_report(tmp_path: Path) -> None:
    """The World is stuck in code that never yields: the kit stops without waiting out its close
    deadline, and the report an earlier run left is taken away, not shown as this run's."""
    marker, report = tmp_path / "blocked", tmp_path / "report.json"
    report.write_text('{"from": "an earlier run"}')
    stopped, waited = _interrupted(
        tmp_path,
        marker,
        *_pytest(f"--world={BROKEN}:BlocksTheLoopInCreate", f"--world-opt=marker={marker}", "-k", "RUN-014"),
        f"--world-report={report}",
    )
    assert waited < 5, f"took {waited:.1f} s to stop"
    assert stopped.returncode == pytest.ExitCode.INTERRUPTED, stopped.stdout[-3000:]
    assert "no report written to --world-report" in stopped.stdout
    assert "Traceback" not in stopped.stdout + stopped.stderr
    assert not report.exists()


def test_ctrl_c_while_the_factory_blocks_stops_at_once_and_says_so(tmp_path: Path) -> None:
    marker = tmp_path / "opening"
    stopped, waited = _interrupted(
        tmp_path, marker, *_pytest(f"--world={BROKEN}:blocks_while_opening", f"--world-opt=marker={marker}")
    )
    assert waited < 5, f"took {waited:.1f} s to stop"
    assert stopped.returncode == pytest.ExitCode.INTERRUPTED
    assert f"interrupted while opening {BROKEN}:blocks_while_opening" in stopped.stderr
    assert "Traceback" not in stopped.stdout + stopped.stderr


def test_certify_refuses_its_own_mistakes_before_making_the_report_directory(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    out = tmp_path / "out"
    for arguments, message in (
        (["--timeout", "inf"], "--timeout must be a positive number of seconds"),
        (["--spec", "4"], "--spec 4 names no line of the contract"),
        (["--xfail", str(tmp_path)], f"known-failures file {tmp_path} is not a file"),
        (["--out", str(tmp_path / "a-file" / "out")], "--out: cannot write into"),
    ):
        process = worldspec("certify", MEMORY, "--out", str(out), *arguments)
        assert process.returncode == 2, (arguments, process.stdout, process.stderr)
        assert process.stderr.startswith(f"worldspec certify: error: {message}"), process.stderr
        assert "Traceback" not in process.stdout + process.stderr
        assert not out.exists(), arguments


def test_certify_names_the_argument_pytest_refused(tmp_path: Path) -> None:
    """pytest's own parser says what it refused below its usage line; certify shows that line,
    and how to get ``-n`` back."""
    process = subprocess.run(
        [sys.executable, "-m", "conformance", "certify", MEMORY, "-n", "2", "--out", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env=child_environment(PYTEST_ADDOPTS="-p no:xdist"),
    )
    assert process.returncode == 2, process.stdout + process.stderr
    assert "pytest refused its arguments: unrecognized arguments: -n (-n needs the pytest-xdist plugin" in (
        process.stderr
    )
    assert "usage:" not in process.stderr


@pytest.mark.parametrize("program", ["pytest", "python -m pytest", "__main__.py"])
def test_certify_finds_the_parser_error_under_any_program_name(program: str) -> None:
    """pytest's releases name its parser differently in the usage lines (9.0 prints
    ``__main__.py`` under ``python -m pytest``, 9.2 prints ``python -m pytest``); certify finds
    the refused argument under each, not the ``rootdir:`` line printed after it."""
    printed = (
        f"ERROR: usage: {program} [options] [file_or_dir] [file_or_dir] [...]\n"
        f"{program}: error: unrecognized arguments: -n\n"
        "  inifile: /somewhere/pyproject.toml\n"
        "  rootdir: /somewhere\n"
    )
    message = kit_usage_message(printed)
    assert message.startswith("pytest refused its arguments: unrecognized arguments: -n (-n needs"), message
