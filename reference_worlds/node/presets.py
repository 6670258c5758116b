"""What the bridge knows about Worlds published on npm, so their certification is one command.

A preset gives a package's factory export, the config it needs to run isolated per test, the
capabilities that cannot be probed, and a setup command (a database migration, say) run once
per process and environment before the first World is built. Anything given to ``NodeWorld``
overrides the preset. In a config, the string ``FRESH_DIR`` (``{fresh_dir}``) is replaced by a
temporary directory made for each World instance and removed when it closes, and
``FRESH_DATABASE`` (``{fresh_database}``) by the URL of a PostgreSQL database made for each
World instance and dropped when it closes (``databases.py``), on the server the preset's
``server_variable`` names, with the setup command run once on the template it is cloned from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from reference_worlds.containers import ServiceKind

__all__ = [
    "FRESH_DATABASE",
    "FRESH_DIR",
    "MAJOR_PRESETS",
    "PRESETS",
    "Preset",
    "major_version",
    "package_name",
    "preset_for",
]

FRESH_DIR: Final = "{fresh_dir}"
FRESH_DATABASE: Final = "{fresh_database}"


@dataclass(frozen=True)
class Preset:
    """Defaults for one package."""

    export: str | None = None
    config: dict[str, Any] | None = None
    capabilities: dict[str, bool] = field(default_factory=dict)
    setup: tuple[str, ...] = ()
    """argv run in the install directory with the Node process's environment."""
    server_variable: str | None = None
    """The environment variable holding the URL of the database server the World keeps its
    storage on (``FRESH_DATABASE`` databases are made there; the setup command gets the
    template's URL in it)."""
    server: ServiceKind | None = None
    """The kind of server it is: where ``server_variable`` is set nowhere, a container of it is
    started when the ``containers`` extra is installed and a Docker engine answers."""
    restartable: bool = False
    """A World built again with the same config opens the same storage, so the kit may kill
    its Node process and restart it (the FAULT family, ``worldspec.faults.Restartable``)."""


PRESETS: Final[dict[str, Preset]] = {
    "@workflow/world-local": Preset(
        export="createLocalWorld",
        config={"dataDir": FRESH_DIR},
        # its queue ignores delaySeconds (dist/queue.js)
        capabilities={"delay": False},
        restartable=True,
    ),
    "@workflow/world-postgres": Preset(
        export="createWorld",
        # each World its own database: start() re-enqueues every active run in its database,
        # and Graphile Worker takes jobs from any process on it (docs/bridge.md)
        config={"connectionString": FRESH_DATABASE},
        # Graphile Worker schedules delayed jobs (runAt)
        capabilities={"delay": True},
        # creates the schema, as `npx workflow-postgres-setup` does
        setup=("node", "node_modules/@workflow/world-postgres/bin/setup.js"),
        server_variable="WORKFLOW_POSTGRES_URL",
        server="postgres",
        restartable=True,
    ),
    "@workflow-worlds/redis": Preset(
        export="createWorld",
        # never the package's default prefix ("workflow"), where an application keeps its runs;
        # the server is $WORKFLOW_REDIS_URI (default redis://localhost:6379)
        config={"keyPrefix": "worldspec"},
        server_variable="WORKFLOW_REDIS_URI",
        server="redis",
    ),
    "@workflow-worlds/mongodb": Preset(
        export="createWorld",
        # never the package's default database ("workflow"); the server is $WORKFLOW_MONGODB_URI
        # (default mongodb://localhost:27017). Without a replica set the World falls back from
        # change streams to in-process notification by itself.
        config={"databaseName": "worldspec"},
        server_variable="WORKFLOW_MONGODB_URI",
        server="mongodb",
    ),
}


MAJOR_PRESETS: Final[dict[tuple[str, int], Preset]] = {
    # 5.x: the factory is createWorld (createLocalWorld is gone), and the queue sleeps out
    # delaySeconds before delivering (dist/queue.js); it purges a `$retention: '0'` run's data
    # at its end (dist/storage/run-retention.js) and returns maxEvents on run_started
    ("@workflow/world-local", 5): Preset(
        export="createWorld",
        config={"dataDir": FRESH_DIR},
        capabilities={"delay": True, "retention": True, "max_events": True},
    ),
}
"""Presets of one major version of a package, where its API differs from ``PRESETS``'s."""


def package_name(spec: str) -> str:
    """The package name in an npm spec: ``@scope/name@1.2.3`` -> ``@scope/name``."""
    match = re.match(r"^(@[^/@]+/[^@]+|[^@]+)", spec)
    return match.group(1) if match else spec


def major_version(version: str) -> int | None:
    """The major version of a semver ``version`` (``5.0.0-beta.46`` -> 5), or ``None`` when it
    is not one (a tag such as ``beta``, a range, a path)."""
    match = re.fullmatch(r"v?(\d+)\.\d+\.\d+(?:[-+].*)?", version.strip())
    return int(match.group(1)) if match else None


def _version_in(spec: str) -> str | None:
    name = package_name(spec)
    return spec[len(name) + 1 :] if spec.startswith(f"{name}@") else None


def preset_for(spec: str, version: str | None = None) -> Preset:
    """The preset of the package ``spec`` names at ``version`` (else the version ``spec`` pins,
    if any): the preset of its major version where ``MAJOR_PRESETS`` has one, else the
    package's, else an empty one."""
    name = package_name(spec)
    major = major_version(version or _version_in(spec) or "")
    if major is not None and (name, major) in MAJOR_PRESETS:
        return MAJOR_PRESETS[(name, major)]
    return PRESETS.get(name, Preset())


WORLD_POSTGRES_5_STAND_INS: Final[dict[str, str]] = {
    "@workflow/errors@5.0.0-beta.13": "5.0.0-beta.11",
    "@workflow/utils@5.0.0-beta.7": "5.0.0-beta.6",
    "@workflow/world@5.0.0-beta.23": "5.0.0-beta.21",
    "@workflow/world-local@5.0.0-beta.31": "5.0.0-beta.29",
}
"""npm overrides (NodeWorld's ``overrides`` option) that install
``@workflow/world-postgres@5.0.0-beta.29``: its exact pins are not published, so each is the
nearest published beta below it (docs/findings/world-postgres-5.md says why that changes
nothing judged)."""
