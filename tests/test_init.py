"""``worldspec init DIR``: the project it writes is one the kit runs against at once, failing
each invariant with the contract page to read, and its pre-flight check names what is missing."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from conformance.cli import main
from tests.child_environment import as_console_script, child_environment
from worldspec.capabilities import Capability

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "conformance" / "templates" / "world_project" / "world.py.tmpl"


def _kit(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """The README's command, run by the ``pytest`` console script (which, unlike ``python -m``,
    does not put the project folder on the import path) from the project folder."""
    environment = child_environment()
    return subprocess.run(
        [*as_console_script("pytest"), "-p", "no:cacheprovider", *arguments],
        cwd=project,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )


@pytest.fixture
def project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    directory = tmp_path / "sqlite-world"
    assert main(["init", str(directory)]) == 0
    assert "pytest --world=sqlite_world.world:SqliteWorld" in capsys.readouterr().out
    return directory


def test_init_writes_a_project_named_after_its_folder(project: Path) -> None:
    metadata = tomllib.loads((project / "pyproject.toml").read_text())
    assert metadata["project"]["name"] == "sqlite-world"
    assert "worldspec" in metadata["project"]["dependencies"]
    world = (project / "sqlite_world" / "world.py").read_text()
    assert "class SqliteWorld:" in world
    for capability in Capability:
        assert f"{capability.value}={capability.default}," in world
    assert "pytest --world=sqlite_world.world:SqliteWorld\n" in (project / "README.md").read_text()


def test_every_page_the_skeleton_names_exists() -> None:
    pages = set(re.findall(r'"([a-z-]+\.md)"', TEMPLATE.read_text()))
    assert pages, "the skeleton names no contract page"
    assert sorted(page for page in pages if not (REPO / "docs" / "contract" / page).is_file()) == []


def test_init_refuses_a_folder_that_holds_something(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    assert main(["init", str(tmp_path / "taken")]) == 2
    assert "already exists and is not an empty folder" in capsys.readouterr().err
    assert main(["init", str(tmp_path / "1st")]) == 2
    assert "cannot make a Python package name" in capsys.readouterr().err


def test_the_kit_runs_against_the_new_project_and_says_what_to_write(project: Path) -> None:
    result = _kit(project, "--world=sqlite_world.world:SqliteWorld", "--world-profile=quick")
    output = result.stdout + result.stderr
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, output[-3000:]
    assert "capabilities in force: streams, queue_delivery, preload" in output
    assert "Traceback" not in output and "INTERNALERROR" not in output
    assert re.search(
        r"expected: the World implements what the rule calls\nthe World: SqliteWorld: events\.create is "
        r"not written yet; read events\.create: processing order of the World contract, worldspec's "
        r"docs/contract/events-create\.md",
        output,
    )
    assert re.search(r"\b\d{2,} failed\b", output)


def test_the_pre_flight_check_names_a_member_the_project_lacks(project: Path) -> None:
    world = project / "sqlite_world" / "world.py"
    source = world.read_text()
    without = re.sub(r"\n    async def get_stream_info\(.*?\n\n?(?=\S|\Z)", "\n", source, flags=re.S)
    assert "get_stream_info" not in without.split("class SqliteWorld")[1]
    world.write_text(without)
    result = _kit(project, "--world=sqlite_world.world:SqliteWorld")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.strip().splitlines()[-1] == (
        "ERROR: sqlite_world.world:SqliteWorld returned an object of type SqliteWorld that lacks part of "
        "the World protocol: get_stream_info (see worldspec.protocol.World)"
    )
    assert "Traceback" not in result.stdout + result.stderr
