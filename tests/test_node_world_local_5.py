"""CI certifies ``@workflow/world-local@5.0.0-beta.46`` against the 5.x line through the Node
bridge, with no option but the package: the bridge picks the 5.x preset (``createWorld``) from
the installed version, and the kit the 5.x line from the World's spec version (7).

The run reads known-failures/world-local-5.0.0-beta.46.toml (findings, each with a Node and a
Python repro, in docs/findings/world-local-5.md); tests/node_certification.py says what must
hold. The first run installs the package with npm; later runs reuse the cache.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.node_certification import KNOWN_FAILURES, certify

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="the bridge needs node and npm on PATH",
)

PACKAGE = "@workflow/world-local@5.0.0-beta.46"
KNOWN = KNOWN_FAILURES / "world-local-5.0.0-beta.46.toml"


def test_world_local_5_passes_the_5x_line_except_its_known_failures(tmp_path: Path) -> None:
    outcomes = certify(PACKAGE, KNOWN, tmp_path, timeout=600)
    report = json.loads((tmp_path / "report.json").read_text())
    assert (report["line"], report["world"]["specVersion"]) == ("5.x", 7)
    assert "RS-002" in outcomes and outcomes["RS-002"] == "pass", "resilient start is fixed in 5.x"
