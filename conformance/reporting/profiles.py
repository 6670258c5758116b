"""How hard the kit looks: ``--world-profile=quick|ci|thorough``, and seeds that replay a run.

A profile sets the model's examples and steps, the examples of the other property-based tests,
how many rounds each race runs and how many clients race in each, how long a racing call may
take before its outcome is unknown, and how long a model or race test may run in all (its
budget: when it runs out the test stops generating, judges what ran and says so in its record).
Each profile is also registered with Hypothesis as ``worldspec-<name>``, loaded before the
suites are collected, so every Hypothesis setting of the suites follows the profile; the
example database lives in ``.hypothesis/`` of the rootdir, so a failure found once is tried
first the next time.

One session seed (printed in the report header, ``--world-seed`` to replay) derives a seed per
test from the test's id, so a test's randomness does not depend on which other tests ran.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

__all__ = ["DEFAULT_PROFILE", "PROFILES", "Budget", "Profile", "derive_seed", "register_profiles"]


@dataclass(frozen=True)
class Profile:
    """One ``--world-profile``."""

    name: str
    examples: int
    """Sequences the model tries (Hypothesis ``max_examples`` of LIN-001)."""
    example_tests: int
    """Examples each other property-based suite test tries (``max_examples`` of the profile)."""
    steps: int
    """Operations per sequence (Hypothesis ``stateful_step_count``)."""
    rounds: int
    """Rounds of each race."""
    transition_rounds: int
    """Rounds of each race of the transition tables (LIN-007 to LIN-010), which hold many races."""
    width: int
    """Concurrent clients in each race (and worker processes across processes)."""
    call_timeout: float
    """Seconds a racing call may take before its outcome is recorded as unknown."""
    deadline_ms: int | None
    """Hypothesis deadline of one example of an example-based test."""
    hypothesis_shrinks: bool
    """Whether Hypothesis shrinks failing sequences before the kit's own operation-level pass."""
    budget_seconds: float
    """How long one model or race test may generate before it stops and judges what ran."""

    def budget(self) -> Budget:
        """A budget of ``budget_seconds`` that starts now."""
        return Budget(self.budget_seconds)

    def model_settings(self) -> settings:
        """Settings for the model's state machine, on top of the registered profile."""
        phases = list(Phase) if self.hypothesis_shrinks else [Phase.explicit, Phase.reuse, Phase.generate]
        return settings(
            max_examples=self.examples,
            stateful_step_count=self.steps,
            deadline=None,
            phases=phases,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )


@dataclass
class Budget:
    """Time a test may spend generating work, from when it was made."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def spent(self) -> bool:
        """Whether the time is up."""
        return time.monotonic() - self.started >= self.seconds


PROFILES: dict[str, Profile] = {
    "quick": Profile(
        name="quick",
        examples=10,
        example_tests=5,
        steps=15,
        rounds=6,
        transition_rounds=1,
        width=3,
        call_timeout=10.0,
        deadline_ms=2000,
        hypothesis_shrinks=False,
        budget_seconds=20.0,
    ),
    "ci": Profile(
        name="ci",
        examples=30,
        example_tests=10,
        steps=25,
        rounds=20,
        transition_rounds=2,
        width=4,
        call_timeout=20.0,
        deadline_ms=5000,
        hypothesis_shrinks=False,
        budget_seconds=90.0,
    ),
    "thorough": Profile(
        name="thorough",
        examples=400,
        example_tests=100,
        steps=60,
        rounds=200,
        transition_rounds=10,
        width=8,
        call_timeout=60.0,
        deadline_ms=None,
        hypothesis_shrinks=True,
        budget_seconds=900.0,
    ),
}
DEFAULT_PROFILE = "ci"


def register_profiles(rootdir: Path) -> None:
    """Register ``worldspec-<name>`` Hypothesis profiles, with the database under ``rootdir``."""
    database = DirectoryBasedExampleDatabase(rootdir / ".hypothesis" / "examples")
    for profile in PROFILES.values():
        deadline = None if profile.deadline_ms is None else timedelta(milliseconds=profile.deadline_ms)
        settings.register_profile(
            f"worldspec-{profile.name}",
            max_examples=profile.example_tests,
            deadline=deadline,
            database=database,
            stateful_step_count=profile.steps,
        )


def derive_seed(session_seed: int, test_id: str) -> int:
    """The seed of test ``test_id`` in a session seeded with ``session_seed``."""
    digest = hashlib.sha256(f"{session_seed}:{test_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big")
