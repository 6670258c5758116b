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

__all__ = ["RunIdentity", "option_argument", "rerun_command"]


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


def rerun_command(run: RunIdentity, invariant_id: str) -> str:
    """``pytest --world=... --world-opt=... --world-profile=... --world-seed=... -k ID``, quoted
    for a shell."""
    parts = ["pytest", f"--world={run.target}"]
    parts += [f"--world-opt={option_argument(key, value)}" for key, value in run.options.items()]
    parts += [f"--world-profile={run.profile}", f"--world-seed={run.seed}", "-k", invariant_id]
    return " ".join(shlex.quote(part) for part in parts)
