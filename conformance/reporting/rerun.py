"""The one builder of the command that reruns an invariant against the same World.

Every reader that offers "rerun just this invariant" (the failure report, the records, the
certification reports) prints what this module builds, so a model or race failure replays with
one command: the same World and options, profile and seed.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["RunIdentity", "option_argument", "replay_command", "rerun_command"]


@dataclass(frozen=True)
class RunIdentity:
    """What makes a kit run reproducible: the World, its options, the profile and the seed."""

    target: str
    options: Mapping[str, Any]
    profile: str
    seed: int


def option_argument(key: str, value: Any) -> str:
    """``key=value`` as ``--world-opt`` reads it back: strings as they are, anything else as JSON."""
    return f"{key}={value if isinstance(value, str) else json.dumps(value)}"


def replay_command(run: RunIdentity) -> str:
    """``pytest --world=... --world-opt=... --world-profile=... --world-seed=...``, quoted for a
    shell: the whole run again, every random choice the same."""
    parts = ["pytest", f"--world={run.target}"]
    parts += [f"--world-opt={option_argument(key, value)}" for key, value in run.options.items()]
    parts += [f"--world-profile={run.profile}", f"--world-seed={run.seed}"]
    return " ".join(shlex.quote(part) for part in parts)


def rerun_command(run: RunIdentity, invariant_id: str) -> str:
    """``replay_command`` narrowed to one invariant: ``... -k ID``."""
    return f"{replay_command(run)} -k {shlex.quote(invariant_id)}"
