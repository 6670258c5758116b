"""What the bridge knows about Worlds published on npm, so their certification is one command.

A preset gives a package's factory export, the config it needs to run isolated per test, the
capabilities that cannot be probed, and a setup command (a database migration, say) run once
per process and environment before the first World is built. Anything given to ``NodeWorld``
overrides the preset. In a config, the string ``FRESH_DIR`` (``{fresh_dir}``) is replaced by a
temporary directory made for each World instance and removed when it closes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = ["FRESH_DIR", "PRESETS", "Preset", "package_name", "preset_for"]

FRESH_DIR: Final = "{fresh_dir}"


@dataclass(frozen=True)
class Preset:
    """Defaults for one package."""

    export: str | None = None
    config: dict[str, Any] | None = None
    capabilities: dict[str, bool] = field(default_factory=dict)
    setup: tuple[str, ...] = ()
    """argv run in the install directory with the Node process's environment."""


PRESETS: Final[dict[str, Preset]] = {
    "@workflow/world-local": Preset(
        export="createLocalWorld",
        config={"dataDir": FRESH_DIR},
        # its queue ignores delaySeconds (dist/queue.js)
        capabilities={"delay": False},
    ),
    "@workflow/world-postgres": Preset(
        export="createWorld",
        # Graphile Worker schedules delayed jobs (runAt)
        capabilities={"delay": True},
        # creates the schema at $WORKFLOW_POSTGRES_URL, as `npx workflow-postgres-setup` does
        setup=("node", "node_modules/@workflow/world-postgres/bin/setup.js"),
    ),
}


def package_name(spec: str) -> str:
    """The package name in an npm spec: ``@scope/name@1.2.3`` -> ``@scope/name``."""
    match = re.match(r"^(@[^/@]+/[^@]+|[^@]+)", spec)
    return match.group(1) if match else spec


def preset_for(spec: str) -> Preset:
    """The preset of the package ``spec`` names, or an empty one."""
    return PRESETS.get(package_name(spec), Preset())
