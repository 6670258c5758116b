"""``worldspec schema --out DIR``: one JSON Schema file per wire model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.cli import main
from worldspec.json_schema import SCHEMA_MODELS


def test_schema_writes_one_valid_json_schema_per_model(tmp_path: Path) -> None:
    out = tmp_path / "schemas"
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "schema", "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"wrote {len(SCHEMA_MODELS)} JSON Schemas" in done.stdout
    assert sorted(path.name for path in out.iterdir()) == sorted(
        f"{name}.schema.json" for name in SCHEMA_MODELS
    )
    for name in SCHEMA_MODELS:
        schema = json.loads((out / f"{name}.schema.json").read_text())
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["title"]


def test_schemas_use_wire_names(tmp_path: Path) -> None:
    assert main(["schema", "--out", str(tmp_path)]) == 0
    event = (tmp_path / "Event.schema.json").read_text()
    assert '"eventType"' in event
    assert '"correlationId"' in event
    assert "event_type" not in event


def test_schema_without_out_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["schema"])
    assert exited.value.code == 2
    assert "--out" in capsys.readouterr().err


def test_a_reader_that_stops_early_ends_the_command_quietly() -> None:
    import subprocess

    result = subprocess.run(
        "python -m conformance invariants | head -n 1", shell=True, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.startswith("id")
    assert "Traceback" not in result.stderr and "BrokenPipeError" not in result.stderr
