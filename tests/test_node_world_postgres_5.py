"""``@workflow/world-postgres@5.0.0-beta.29`` declares spec version 5, which belongs to no line:
CI keeps ``worldspec certify`` refusing it in one line, with a report that reaches no level
(docs/findings/world-postgres-5.md).

Its exact dependencies are not on npm, so it is installed with the overrides the findings page
gives; the first run installs it (about 12 s), later runs reuse the cache. It needs the local
PostgreSQL (.ci/run starts it): the bridge builds it on a fresh database, as for 4.3.7.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reference_worlds.node.install import install
from reference_worlds.node.presets import WORLD_POSTGRES_5_STAND_INS
from tests.postgres_support import postgres_dsn
from tests.test_certify import certify

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="the bridge needs node and npm on PATH",
)

PACKAGE = "@workflow/world-postgres@5.0.0-beta.29"
OVERRIDES = WORLD_POSTGRES_5_STAND_INS


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    """Install the package before the kit runs: a first install takes longer than the 30 s the
    kit gives a World's start()."""
    install(PACKAGE, OVERRIDES)


def _options() -> list[str]:
    env = {"WORKFLOW_POSTGRES_URL": postgres_dsn()}
    return [f"package={PACKAGE}", f"overrides={json.dumps(OVERRIDES)}", f"env={json.dumps(env)}"]


def test_it_is_refused_in_one_line_with_a_report_that_passes_no_line(tmp_path: Path) -> None:
    options = [part for option in _options() for part in ("--opt", option)]
    process, report = certify(tmp_path, "reference_worlds.node:NodeWorld", *options)
    output = process.stdout + process.stderr
    assert process.returncode == 1, output[-3000:]
    refusals = [line for line in output.splitlines() if line.startswith("worldspec certify: refused:")]
    assert len(refusals) == 1 and "declares spec version 5" in refusals[0], output[-3000:]
    assert report["line"] is None and report["world"]["specVersion"] == 5
    assert report["invariants"] == [] and report["certification"]["reachedLevel"] is None
