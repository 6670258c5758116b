"""``worldspec init DIR``: a World project to start from.

The project holds a ``pyproject.toml``, a package named after ``DIR`` whose ``world.py`` has a
Factory class with every member of ``worldspec.protocol.World``, each raising
``NotImplementedError`` that names the contract page to read, a ``worldspec_capabilities``
declaration listing every capability at its default, and a README with the ``pytest --world``
command, which runs the kit against the project at once. The files are made from the templates
in ``conformance/templates/world_project``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

from worldspec.capabilities import Capability

__all__ = ["ProjectNames", "ScaffoldError", "capabilities_block", "names_for", "write_project"]

_TEMPLATES = "conformance.templates.world_project"


class ScaffoldError(Exception):
    """The project cannot be written where it was asked; the message says why."""


@dataclass(frozen=True)
class ProjectNames:
    """The names a project's files use: its distribution, package and Factory class."""

    distribution: str
    package: str
    factory: str


def names_for(directory: Path) -> ProjectNames:
    """Names derived from the directory's name: ``sqlite-world`` gives the package
    ``sqlite_world`` and the Factory ``SqliteWorld``."""
    stem = directory.resolve().name
    package = re.sub(r"\W+", "_", stem.replace("-", "_")).strip("_").lower()
    if not package or not package.isidentifier() or package[0].isdigit():
        raise ScaffoldError(
            f"cannot make a Python package name from the folder name {stem!r}: use a name that "
            "starts with a letter (sqlite-world, my_world)"
        )
    if package in ("worldspec", "conformance", "reference_worlds"):
        raise ScaffoldError(f"a project called {package!r} would shadow worldspec's own packages")
    factory = "".join(part.capitalize() for part in package.split("_"))
    if not factory.endswith("World"):
        factory += "World"
    return ProjectNames(stem, package, factory)


def capabilities_block(indent: str = "        ") -> str:
    """Every capability at its default, one keyword a line, with what it is as a comment."""
    return "\n".join(
        f"{indent}{capability.value}={capability.default},  # {capability.describe()}"
        for capability in Capability
    )


def _template(name: str) -> Template:
    return Template(resources.files(_TEMPLATES).joinpath(name).read_text(encoding="utf-8"))


def write_project(directory: Path) -> list[Path]:
    """Write the project into ``directory`` (created if absent, refused if it holds anything);
    return the files written."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ScaffoldError(f"{directory} already exists and is not an empty folder")
    names = names_for(directory)
    values = {
        "distribution": names.distribution,
        "package": names.package,
        "factory": names.factory,
        "capabilities": capabilities_block(),
    }
    files = {
        directory / "pyproject.toml": "pyproject.toml.tmpl",
        directory / "README.md": "README.md.tmpl",
        directory / names.package / "__init__.py": "__init__.py.tmpl",
        directory / names.package / "world.py": "world.py.tmpl",
    }
    for path, template in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_template(template).substitute(values), encoding="utf-8")
    return list(files)
