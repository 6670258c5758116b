"""Who was certified and where: the World's identity and the environment of the run."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from dataclasses import dataclass
from importlib import metadata
from typing import Any

__all__ = ["Package", "WorldIdentity", "environment", "package_of"]


@dataclass(frozen=True)
class Package:
    """The published package the World comes from: ``kind`` is ``python`` or ``npm``."""

    kind: str
    name: str
    version: str | None


@dataclass(frozen=True)
class WorldIdentity:
    """The Factory path, its options with secrets masked, and its package where known."""

    factory: str
    options: dict[str, Any]
    package: Package | None


def _npm_package(spec: str) -> Package:
    """``@scope/name@1.2.3`` or ``name@1.2.3`` (version optional) as a Package."""
    scope = "@" if spec.startswith("@") else ""
    name, _, version = spec.removeprefix(scope).partition("@")
    return Package("npm", scope + name, version or None)


def package_of(factory: str, options: dict[str, Any]) -> Package | None:
    """The package of the World: the npm package a bridge Factory is given as its ``package``
    option, else the installed Python distribution that provides the Factory's module."""
    npm_spec = options.get("package")
    if isinstance(npm_spec, str) and npm_spec:
        return _npm_package(npm_spec)
    top_level = factory.partition(":")[0].partition(".")[0]
    distributions = metadata.packages_distributions().get(top_level, [])
    if not distributions:
        return None
    name = distributions[0]
    return Package("python", name, metadata.version(name))


def _version_of(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def _node_version() -> str | None:
    node = shutil.which("node")
    if node is None:
        return None
    try:
        shown = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return shown.stdout.strip() or None


def environment() -> dict[str, str]:
    """The interpreter, platform and tool versions the kit ran with (Node.js where installed)."""
    facts = {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": str(os.cpu_count()),
        "pytest": _version_of("pytest"),
        "hypothesis": _version_of("hypothesis"),
        "pydantic": _version_of("pydantic"),
        "ci": "true" if os.environ.get("CI", "").lower() in ("1", "true", "yes") else "false",
    }
    node = _node_version()
    if node is not None:
        facts["node"] = node
    return facts
