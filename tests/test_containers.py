"""Servers in containers for users who have Docker: without testcontainers or an engine the kit
says why and falls back to the local services; with both, PostgresWorld and the npm presets
that need a server start one (skipped here: this machine has no Docker engine)."""

from __future__ import annotations

import importlib.util
import subprocess

import pytest

from reference_worlds.containers import service_url, why_none
from reference_worlds.node.presets import PRESETS
from reference_worlds.postgres.locate import DEFAULT_DSN, DSN_ENV_VAR, find_dsn


def _engine_answers() -> bool:
    if importlib.util.find_spec("testcontainers") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


ENGINE = _engine_answers()


@pytest.mark.skipif(ENGINE, reason="a Docker engine answers here")
@pytest.mark.parametrize("kind", ["postgres", "redis", "mongodb"])
def test_without_an_engine_no_container_starts_and_the_reason_is_given(kind: str) -> None:
    assert service_url(kind) is None  # type: ignore[arg-type]
    assert why_none(kind).startswith(("testcontainers is not installed", "no Docker engine answers"))  # type: ignore[arg-type]


@pytest.mark.skipif(ENGINE, reason="a Docker engine answers here")
def test_postgres_world_falls_back_to_the_local_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DSN_ENV_VAR, raising=False)
    assert find_dsn() == DEFAULT_DSN


def test_every_preset_that_needs_a_server_names_its_kind_and_variable() -> None:
    needing = {name: preset for name, preset in PRESETS.items() if preset.server is not None}
    assert set(needing) == {"@workflow/world-postgres", "@workflow-worlds/redis", "@workflow-worlds/mongodb"}
    assert all(preset.server_variable for preset in needing.values())


@pytest.mark.skipif(not ENGINE, reason="no Docker engine answers here (and testcontainers may be missing)")
@pytest.mark.parametrize("kind", ["postgres", "redis"])
def test_with_an_engine_a_container_is_started_once(kind: str) -> None:
    first = service_url(kind)  # type: ignore[arg-type]
    assert first is not None and service_url(kind) == first  # type: ignore[arg-type]
