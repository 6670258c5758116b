"""worldspec installs as a user installs it: built with ``python -m build``, installed from the
wheel into a fresh virtual environment that has no view of the checkout, it certifies the oracle,
with the newest releases of its dependencies and with each at the floor of its declared range.

The editable install the README's commands use reads every file from the checkout, so it hides
a data file the wheel lacks; only a real install shows it. One build and one virtual
environment serve the whole module (about 20 s). The environment is made without
``--system-site-packages``: with it, a runtime dependency missing from ``pyproject.toml`` would
be found in the outer environment and go unnoticed. Runtime dependencies come from the package
index pip is configured with (``pip config list``), as they would for a user.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import venv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.child_environment import child_environment

REPO = Path(__file__).resolve().parent.parent
SHIPPED_PACKAGES = ("worldspec", "conformance", "reference_worlds")


@dataclass(frozen=True)
class InstalledKit:
    wheel: Path
    bin: Path


def _clean_environment() -> dict[str, str]:
    """The environment without anything that would point Python back at the checkout."""
    environment = child_environment()
    for key in ("PYTHONPATH", "VIRTUAL_ENV"):
        environment.pop(key, None)
    return environment


def _run(
    command: list[str], cwd: Path | None = None, *, check: bool = False, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """``command`` in the clean environment, its output captured."""
    return subprocess.run(
        command,
        cwd=cwd,
        check=check,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_clean_environment(),
    )


def _environment_with(root: Path, *requirements: str) -> Path:
    """A fresh virtual environment under ``root`` with ``requirements`` pip-installed; its bin
    folder."""
    venv.create(root / "venv", with_pip=True, system_site_packages=False)
    bin_dir = root / "venv" / "bin"
    _run([str(bin_dir / "python"), "-m", "pip", "install", "-q", *requirements], check=True, timeout=300)
    return bin_dir


def _certify(bin_dir: Path, cwd: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """The installed ``worldspec certify`` of the oracle, profile quick, run in ``cwd``."""
    return _run(
        [
            str(bin_dir / "worldspec"),
            "certify",
            "reference_worlds.memory:MemoryWorld",
            "--profile",
            "quick",
            *options,
        ],
        cwd,
    )


@pytest.fixture(scope="module")
def installed_kit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InstalledKit]:
    root = tmp_path_factory.mktemp("packaging")
    dist = root / "dist"
    # No --wheel/--sdist: build makes the sdist, then the wheel from the sdist, so a file the
    # sdist leaves out is missing from the wheel too.
    _run([sys.executable, "-m", "build", "--outdir", str(dist), str(REPO)], check=True, timeout=300)
    (wheel,) = dist.glob("*.whl")
    yield InstalledKit(wheel, _environment_with(root, str(wheel)))


def test_the_wheel_holds_every_file_the_kit_ships(installed_kit: InstalledKit) -> None:
    tracked = subprocess.run(
        ["git", "ls-files", *SHIPPED_PACKAGES], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout.split()
    with zipfile.ZipFile(installed_kit.wheel) as wheel:
        packed = set(wheel.namelist())
    assert tracked, "git lists no files of the shipped packages"
    assert sorted(set(tracked) - packed) == []


def test_the_installed_kit_certifies_the_oracle_from_an_empty_folder(
    installed_kit: InstalledKit, tmp_path: Path
) -> None:
    finished = _certify(installed_kit.bin, tmp_path, "--out", "certification")
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    assert "Certified at core" in finished.stdout
    assert (tmp_path / "certification" / "report.json").is_file()


def _floors() -> list[str]:
    """Each runtime dependency pinned to the lowest version ``pyproject.toml`` allows."""
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    floors = []
    for requirement in declared:
        found = re.match(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9.]*)", requirement)
        assert found, f"{requirement!r} has no lower bound"
        floors.append(f"{found.group(1)}=={found.group(2)}")
    return floors


def test_the_kit_runs_at_the_floor_of_every_declared_range(
    installed_kit: InstalledKit, tmp_path: Path
) -> None:
    """A range promises its lowest version works: the wheel with every runtime dependency at its
    floor certifies both lines of the oracle on two workers (pytest 8.0 ran a name the suites
    imported as a module setup; hypothesis before 6.108 lacked an error the model imports)."""
    bin_dir = _environment_with(tmp_path, str(installed_kit.wheel), *_floors())
    for line, options in (("4.x", []), ("5.x", ["--opt", "spec_version=7"])):
        finished = _certify(bin_dir, tmp_path, *options, "-n", "2", "--out", f"certification-{line}")
        assert finished.returncode == 0, line + finished.stdout[-3000:] + finished.stderr[-3000:]


def test_a_folder_named_worldspec_in_the_current_directory_is_explained(tmp_path: Path) -> None:
    """A checkout named ``worldspec`` next to the user's project shadows an editable install
    (whose finder Python consults after the current directory). The subprocess imports the
    folder as Python would in that case, as a namespace package, then the kit."""
    (tmp_path / "worldspec").mkdir()
    shadowing = (
        "import importlib.machinery, importlib.util, sys; "
        f"spec = importlib.machinery.PathFinder.find_spec('worldspec', [{str(tmp_path)!r}]); "
        "sys.modules['worldspec'] = importlib.util.module_from_spec(spec); "
        "import conformance.cli"
    )
    finished = _run([sys.executable, "-c", shadowing], tmp_path, timeout=60)
    last_line = finished.stderr.strip().splitlines()[-1]
    assert finished.returncode != 0
    assert f"'worldspec' resolves to the folder {tmp_path / 'worldspec'}, not to the installed" in last_line
