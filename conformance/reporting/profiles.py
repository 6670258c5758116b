"""How hard the kit looks: ``--world-profile=quick|ci|thorough``, and seeds that replay a run.

A profile sets the model's examples and steps, how many rounds each race runs and how many
clients race in each, how long a racing call may take before its outcome is unknown, and the
Hypothesis deadline of example-based tests. Each profile is also registered with Hypothesis as
``worldspec-<name>``, with the example database in ``.hypothesis/`` of the rootdir, so a
failure found once is tried first the next time.

One session seed (printed in the report header, ``--world-seed`` to replay) derives a seed per
test from the test's id, so a test's randomness does not depend on which other tests ran.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

__all__ = ["DEFAULT_PROFILE", "PROFILES", "Profile", "derive_seed", "register_profiles"]


@dataclass(frozen=True)
class Profile:
    """One ``--world-profile``."""

    name: str
    examples: int
    """Sequences the model tries (Hypothesis ``max_examples``)."""
    steps: int
    """Operations per sequence (Hypothesis ``stateful_step_count``)."""
    rounds: int
    """Rounds of each race."""
    width: int
    """Concurrent clients in each race (and worker processes across processes)."""
    call_timeout: float
    """Seconds a racing call may take before its outcome is recorded as unknown."""
    deadline_ms: int | None
    """Hypothesis deadline of one example of an example-based test."""
    hypothesis_shrinks: bool
    """Whether Hypothesis shrinks failing sequences before the kit's own operation-level pass."""

    def hypothesis_settings(self) -> settings:
        """Settings for the model's state machine, on top of the registered profile."""
        phases = list(Phase) if self.hypothesis_shrinks else [Phase.explicit, Phase.reuse, Phase.generate]
        return settings(
            max_examples=self.examples,
            stateful_step_count=self.steps,
            deadline=None,
            phases=phases,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )


PROFILES: dict[str, Profile] = {
    "quick": Profile("quick", 10, 15, 6, 3, 10.0, 2000, False),
    "ci": Profile("ci", 30, 25, 20, 4, 20.0, 5000, False),
    "thorough": Profile("thorough", 400, 60, 200, 8, 60.0, None, True),
}
DEFAULT_PROFILE = "ci"


def register_profiles(rootdir: Path) -> None:
    """Register ``worldspec-<name>`` Hypothesis profiles, with the database under ``rootdir``."""
    database = DirectoryBasedExampleDatabase(rootdir / ".hypothesis" / "examples")
    for profile in PROFILES.values():
        deadline = None if profile.deadline_ms is None else timedelta(milliseconds=profile.deadline_ms)
        settings.register_profile(
            f"worldspec-{profile.name}",
            max_examples=profile.examples,
            deadline=deadline,
            database=database,
            stateful_step_count=profile.steps,
        )


def derive_seed(session_seed: int, test_id: str) -> int:
    """The seed of test ``test_id`` in a session seeded with ``session_seed``."""
    digest = hashlib.sha256(f"{session_seed}:{test_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big")
