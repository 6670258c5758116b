"""The rerun command a failure prints can be pasted back: options round-trip through --world-opt."""

from __future__ import annotations

import shlex

from conformance.catalogue.entries import INVARIANTS
from conformance.reporting.failure import rerun_command
from conformance.world.loading import WorldSpec, parse_world_options


def test_rerun_command_options_parse_back_to_the_same_values() -> None:
    options = {"config": {"dataDir": "/tmp/x", "n": [1, 2]}, "limit": 2, "flag": True, "name": "plain"}
    command = rerun_command(WorldSpec("pkg.mod:Factory", options), INVARIANTS["RS-006"])
    words = shlex.split(command)
    pairs = [word.removeprefix("--world-opt=") for word in words if word.startswith("--world-opt=")]
    assert parse_world_options(pairs) == options
    assert words[-2:] == ["-k", "RS-006"]
