"""Asking upstream itself: run tools/zod-parity on a corpus and read its verdicts.

The Node script installs ``@workflow/world`` 4.5.0 (the 4.x line) or, with ``pin=PIN_LINE_5``,
5.0.0-beta.37 (the 5.x line) once into a cache outside the repository
(``$WORLDSPEC_NPM_CACHE``, default ``~/.cache/worldspec/zod-parity``). Three outcomes: the
verdicts; a failure (the script broke); or could-not-judge (no node/npm, or the install
failed, e.g. offline), which skips the calling test with the reason.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
VALIDATE_SCRIPT = REPO / "tools" / "zod-parity" / "validate.mjs"
CORPUS_PATH = REPO / "tests" / "fixtures" / "parity" / "corpus.json"
VERDICTS_PATH = REPO / "tests" / "fixtures" / "parity" / "verdicts.json"
PIN_LINE_5 = REPO / "tools" / "zod-parity" / "world-5"
CORPUS_LINE_5_PATH = REPO / "tests" / "fixtures" / "parity-v7" / "corpus.json"
VERDICTS_LINE_5_PATH = REPO / "tests" / "fixtures" / "parity-v7" / "verdicts.json"
NODE_MISSING = "node and npm are needed to ask upstream's zod schemas (tools/zod-parity/validate.mjs)"
INSTALL_FAILED = 3  # validate.mjs's exit code when @workflow/world could not be installed

needs_node = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None, reason=NODE_MISSING
)


def upstream_verdicts(corpus_text: str, pin: Path | None = None) -> dict[str, Any]:
    """The verdicts document tools/zod-parity writes for ``corpus_text``, judged by the package
    pinned in ``pin`` (default: the 4.x line's)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip(NODE_MISSING)
    pin_option = [] if pin is None else ["--pin", str(pin)]
    done = subprocess.run(
        [node, str(VALIDATE_SCRIPT), *pin_option, "-"],
        input=corpus_text,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode == INSTALL_FAILED:
        pytest.skip(f"could not judge: {done.stderr.strip()}")
    if done.returncode != 0:
        pytest.fail(f"tools/zod-parity/validate.mjs exited {done.returncode}:\n{done.stderr}")
    verdicts: dict[str, Any] = json.loads(done.stdout)
    return verdicts
