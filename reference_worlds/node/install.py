"""Installing an npm World package once into a cache directory, so later runs need no network.

Each package spec gets a directory of its own under the cache (``$WORLDSPEC_NODE_CACHE``, else
``~/.cache/worldspec/node``) holding ``node_modules`` and ``entry.mjs``, the module the bridge
imports: its ``load()`` imports the package from that directory, so resolution follows the
package's own ``exports`` conditions. A marker file written last makes an install complete;
a lock file keeps concurrent Python processes from installing the same spec twice.

``overrides`` are npm's (the ``overrides`` field of the install directory's package.json): they
replace dependency versions a package pins exactly but npm cannot find (an unpublished beta);
an install with overrides is a directory of its own.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Final

from reference_worlds.node.process import BridgeError

__all__ = ["CACHE_ENV", "cache_root", "install", "installed_version"]

CACHE_ENV: Final = "WORLDSPEC_NODE_CACHE"
MARKER: Final = ".worldspec-installed"
ENTRY: Final = "entry.mjs"
INSTALL_TIMEOUT: Final = 600


def cache_root() -> Path:
    """Where installs live: ``$WORLDSPEC_NODE_CACHE`` or ``~/.cache/worldspec/node``."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "worldspec" / "node"


def _directory_name(spec: str, overrides: dict[str, str]) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", spec).strip("_") or "package"
    if not overrides:
        return name
    digest = hashlib.sha256(json.dumps(overrides, sort_keys=True).encode()).hexdigest()[:12]
    return f"{name}_overrides_{digest}"


def _package_name(directory: Path) -> str:
    dependencies = json.loads((directory / "package.json").read_text()).get("dependencies", {})
    if len(dependencies) != 1:
        names = sorted(dependencies)
        raise BridgeError(f"{directory}/package.json should name exactly one dependency, has {names}")
    return str(next(iter(dependencies)))


def installed_version(entry: Path) -> str | None:
    """The version of the package installed beside ``entry`` (what ``install`` returned), as
    its package.json says, or ``None`` when it says none."""
    name = _package_name(entry.parent)
    manifest = json.loads((entry.parent / "node_modules" / name / "package.json").read_text())
    version = manifest.get("version")
    return version if isinstance(version, str) else None


def install(spec: str, overrides: dict[str, str] | None = None) -> Path:
    """Install ``spec`` (anything ``npm install`` accepts; a local path is made absolute) with
    npm ``overrides``, unless already installed; return the path of its ``entry.mjs``. Raises
    ``BridgeError`` with npm's output when npm fails."""
    if Path(spec).exists():
        spec = str(Path(spec).resolve())
    overrides = dict(overrides or {})
    directory = cache_root() / _directory_name(spec, overrides)
    directory.parent.mkdir(parents=True, exist_ok=True)
    with open(directory.parent / f"{directory.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = directory / MARKER
        stamp = spec if not overrides else f"{spec} {json.dumps(overrides, sort_keys=True)}"
        if marker.exists() and marker.read_text() == stamp:
            return directory / ENTRY
        npm = shutil.which("npm")
        if npm is None:
            raise BridgeError(f"npm is not on PATH: cannot install {spec}")
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir()
        manifest: dict[str, object] = {"private": True}
        if overrides:
            manifest["overrides"] = overrides
        (directory / "package.json").write_text(json.dumps(manifest) + "\n")
        command = [npm, "install", "--no-audit", "--no-fund", "--save-exact", "--loglevel=error", spec]
        try:
            done = subprocess.run(
                command, cwd=directory, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            raise BridgeError(f"npm install {spec} took more than {INSTALL_TIMEOUT} s") from None
        if done.returncode != 0:
            raise BridgeError(f"npm install {spec} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
        name = _package_name(directory)
        (directory / ENTRY).write_text(f"export const load = () => import({json.dumps(name)});\n")
        marker.write_text(stamp)
        return directory / ENTRY
