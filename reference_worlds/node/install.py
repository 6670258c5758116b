"""Installing an npm World package once into a cache directory, so later runs need no network.

Each package spec gets a directory of its own under the cache (``$WORLDSPEC_NODE_CACHE``, else
``~/.cache/worldspec/node``) holding ``node_modules`` and ``entry.mjs``, the module the bridge
imports: its ``load()`` imports the package from that directory, so resolution follows the
package's own ``exports`` conditions. A marker file written last makes an install complete;
a lock file keeps concurrent Python processes from installing the same spec twice.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Final

from reference_worlds.node.process import BridgeError

__all__ = ["CACHE_ENV", "cache_root", "install"]

CACHE_ENV: Final = "WORLDSPEC_NODE_CACHE"
MARKER: Final = ".worldspec-installed"
ENTRY: Final = "entry.mjs"
INSTALL_TIMEOUT: Final = 600


def cache_root() -> Path:
    """Where installs live: ``$WORLDSPEC_NODE_CACHE`` or ``~/.cache/worldspec/node``."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "worldspec" / "node"


def _directory_name(spec: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", spec).strip("_") or "package"


def _package_name(directory: Path) -> str:
    dependencies = json.loads((directory / "package.json").read_text()).get("dependencies", {})
    if len(dependencies) != 1:
        names = sorted(dependencies)
        raise BridgeError(f"{directory}/package.json should name exactly one dependency, has {names}")
    return str(next(iter(dependencies)))


def install(spec: str) -> Path:
    """Install ``spec`` (anything ``npm install`` accepts; a local path is made absolute) unless
    already installed; return the path of its ``entry.mjs``. Raises ``BridgeError`` with npm's
    output when npm fails."""
    if Path(spec).exists():
        spec = str(Path(spec).resolve())
    directory = cache_root() / _directory_name(spec)
    directory.parent.mkdir(parents=True, exist_ok=True)
    with open(directory.parent / f"{directory.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = directory / MARKER
        if marker.exists() and marker.read_text() == spec:
            return directory / ENTRY
        npm = shutil.which("npm")
        if npm is None:
            raise BridgeError(f"npm is not on PATH: cannot install {spec}")
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir()
        (directory / "package.json").write_text('{"private": true}\n')
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
        marker.write_text(spec)
        return directory / ENTRY
