"""docs/invariants/ is generated from the catalogue and the suites; it must not drift."""

from __future__ import annotations

from pathlib import Path

from conformance.catalogue.docs import generate

DOCS = Path(__file__).resolve().parent.parent / "docs" / "invariants"


def test_invariant_pages_match_the_catalogue() -> None:
    expected = generate()
    committed = {path.name: path.read_text() for path in DOCS.glob("*.md")}
    stale = sorted(name for name in expected if committed.get(name) != expected[name])
    extra = sorted(set(committed) - set(expected))
    assert not stale and not extra, (
        f"docs/invariants is out of date (stale: {stale[:10]}, extra: {extra}); "
        "regenerate with: python -m conformance.catalogue.docs"
    )
