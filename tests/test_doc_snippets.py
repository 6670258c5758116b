"""The Python programs in the docs name only what exists: every ``python`` block of README.md and
docs/ parses, and every module, name and ``alias.attribute`` it takes from worldspec,
conformance or reference_worlds resolves. A findings page's repro that imports a module since
moved would otherwise fail only when a reader runs it."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
OURS = ("worldspec", "conformance", "reference_worlds")
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _blocks() -> list[tuple[str, str]]:
    pages = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
    found = []
    for page in pages:
        for number, match in enumerate(_BLOCK.finditer(page.read_text()), start=1):
            found.append((f"{page.relative_to(REPO)}#{number}", match.group(1)))
    return found


BLOCKS = _blocks()


def _ours(module: str) -> bool:
    return module.split(".")[0] in OURS


def unresolved_names(source: str) -> list[str]:
    """What ``source`` takes from our packages that does not exist."""
    tree = ast.parse(source)
    aliases: dict[str, object] = {}
    missing: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and _ours(node.module):
            try:
                module = importlib.import_module(node.module)
            except ImportError as error:
                missing.append(f"from {node.module} import ...: {error}")
                continue
            for name in node.names:
                if hasattr(module, name.name):
                    aliases[name.asname or name.name] = getattr(module, name.name)
                    continue
                try:
                    aliases[name.asname or name.name] = importlib.import_module(f"{node.module}.{name.name}")
                except ImportError:
                    missing.append(f"from {node.module} import {name.name}")
        elif isinstance(node, ast.Import):
            for name in node.names:
                if _ours(name.name):
                    try:
                        importlib.import_module(name.name)
                    except ImportError as error:
                        missing.append(f"import {name.name}: {error}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            owner = aliases.get(node.value.id)
            if owner is not None and hasattr(owner, "__file__") and not hasattr(owner, node.attr):
                missing.append(f"{node.value.id}.{node.attr}")
    return missing


def test_the_docs_hold_python_programs() -> None:
    assert len(BLOCKS) > 20, "the pattern no longer finds the docs' python blocks"


@pytest.mark.parametrize(("place", "source"), BLOCKS, ids=[place for place, _ in BLOCKS])
def test_a_python_block_names_only_what_exists(place: str, source: str) -> None:
    try:
        ast.parse(source)
    except SyntaxError as error:
        pytest.fail(f"{place} does not parse: {error}")
    assert unresolved_names(source) == [], place


def test_a_moved_module_is_found() -> None:
    assert unresolved_names("from conformance import requests as rq\nrq.run_created()\n")
    assert unresolved_names("from conformance.checks import make as rq\nrq.no_such_request()\n") == [
        "rq.no_such_request"
    ]
    assert unresolved_names("from conformance.checks import make as rq\nrq.run_created()\n") == []
