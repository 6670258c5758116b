"""The layout's rules hold: dependencies point one way, and the kit reaches the reference Worlds
only through its oracle."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

from conformance import suites

REPO = Path(__file__).resolve().parent.parent
ORACLE = REPO / "conformance" / "world" / "oracle.py"


def _imported_packages(path: Path) -> set[str]:
    """The top-level packages ``path`` imports (absolute imports only)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _offenders(package: str, forbidden: set[str], allowed: set[Path] = frozenset()) -> list[str]:
    return [
        f"{path.relative_to(REPO)} imports {sorted(_imported_packages(path) & forbidden)}"
        for path in sorted((REPO / package).rglob("*.py"))
        if path not in allowed and _imported_packages(path) & forbidden
    ]


def test_worldspec_imports_nothing_of_the_kit_or_the_worlds() -> None:
    assert _offenders("worldspec", {"conformance", "reference_worlds", "tests", "pytest", "hypothesis"}) == []


def test_reference_worlds_import_nothing_of_the_kit() -> None:
    assert _offenders("reference_worlds", {"conformance", "tests", "pytest", "hypothesis"}) == []


def test_the_kit_reaches_reference_worlds_only_through_its_oracle() -> None:
    assert _offenders("conformance", {"reference_worlds", "tests"}, allowed={ORACLE}) == []


def test_importing_worldspec_loads_neither_the_kit_nor_pytest() -> None:
    probe = "import sys, worldspec; print(sorted(m for m in ('conformance', 'pytest') if m in sys.modules))"
    shown = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert shown.stdout.strip() == "[]", shown.stderr


XUNIT_NAMES = ("setup", "teardown", "setup_module", "teardown_module", "setUpModule", "tearDownModule")
"""Module-level names pytest calls around a module's tests; ``setup`` and ``teardown`` only
while its nose support lasted (pytest 8.0, inside the ``pytest>=8`` we declare)."""


def test_no_suite_module_binds_a_name_pytest_calls_as_module_setup() -> None:
    # conformance.checks.expect.setup imported by name into test_isolation made pytest 8.0 call
    # it as the module's setup, and COPY-001 errored before it ran
    bound = [
        f"conformance.suites.{info.name}.{name}"
        for info in pkgutil.iter_modules(suites.__path__)
        for name in XUNIT_NAMES
        if hasattr(importlib.import_module(f"conformance.suites.{info.name}"), name)
    ]
    assert bound == []
