"""The rerun command a failure prints can be pasted back: options round-trip through --world-opt."""

from __future__ import annotations

import shlex

from conformance.catalogue.entries import INVARIANTS
from conformance.reporting.rerun import RunIdentity, rerun_command
from conformance.world.loading import parse_world_options


def test_rerun_command_options_parse_back_to_the_same_values() -> None:
    options = {"config": {"dataDir": "/tmp/x", "n": [1, 2]}, "limit": 2, "flag": True, "name": "plain"}
    command = rerun_command(RunIdentity("pkg.mod:Factory", options, "thorough", 77), INVARIANTS["RS-006"].id)
    words = shlex.split(command)
    pairs = [word.removeprefix("--world-opt=") for word in words if word.startswith("--world-opt=")]
    assert parse_world_options(pairs) == options
    assert words[-4:] == ["--world-profile=thorough", "--world-seed=77", "-k", "RS-006"]
