"""The options of ``NodeWorld``'s Factory, checked before anything is installed or started.

Options arrive from ``--world-opt KEY=VALUE`` (``certify --opt``): a value that parses as JSON
is decoded, any other stays a string. Each reader here takes what the command line gives and
raises ``ValueError`` with one sentence naming the option, what it must be, an example, and
what it got, so that a mistyped option is a usage error, never a traceback from inside the
bridge.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["capabilities_option", "config_option", "env_option", "overrides_option", "package_option"]


def package_option(package: object) -> str:
    """``package``: a non-empty npm spec."""
    if not isinstance(package, str) or not package.strip():
        raise ValueError(
            f"package must be an npm package spec such as @workflow/world-local@4.4.1, got {package!r}"
        )
    return package


def config_option(config: object) -> dict[str, Any] | None:
    """``config``: a JSON object passed to the World's export, or ``None`` for the preset's."""
    if config is None:
        return None
    return _json_object("config", config, '{"dataDir": "{fresh_dir}"}')


def env_option(env: object) -> dict[str, str]:
    """``env``: environment variables for the Node process; values become strings."""
    if env is None:
        return {}
    loaded = _json_object("env", env, '{"WORKFLOW_REDIS_URI": "redis://localhost:6379"}')
    return {str(key): str(value) for key, value in loaded.items()}


def capabilities_option(capabilities: object) -> dict[str, bool]:
    """``capabilities``: capability names mapped to true or false."""
    if capabilities is None:
        return {}
    loaded = _json_object("capabilities", capabilities, '{"delay": true}')
    wrong = {key: value for key, value in loaded.items() if not isinstance(value, bool)}
    if wrong:
        raise ValueError(f"capabilities must map capability names to true or false, got {wrong!r}")
    return {str(key): value for key, value in loaded.items()}


def overrides_option(overrides: object) -> dict[str, str]:
    """``overrides``: npm overrides, package names mapped to version strings."""
    if overrides is None:
        return {}
    loaded = _json_object("overrides", overrides, '{"@workflow/world@5.0.0-beta.23": "5.0.0-beta.21"}')
    if not all(isinstance(value, str) for value in loaded.values()):
        raise ValueError(f"overrides must map package names to version strings, got {overrides!r}")
    return {str(key): value for key, value in loaded.items()}


def _json_object(name: str, value: object, example: str) -> dict[str, Any]:
    """``value`` as a dict: a dict as given, or JSON text of an object."""
    loaded = value
    if isinstance(value, str):
        try:
            loaded = json.loads(value)
        except ValueError:
            loaded = value
    if not isinstance(loaded, dict):
        raise ValueError(f"{name} must be a JSON object such as {name}='{example}', got {value!r}")
    return loaded
