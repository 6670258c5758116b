"""docs/contract/ explains every invariant of the catalogue in exactly one section page.

Each section page links the invariant pages of the rules it explains (``../invariants/RUN-004.md``).
An invariant added to the catalogue without a home in the contract pages, linked from two
pages (so the two explanations can drift apart), or a link to an ID the catalogue does not
have, fails here.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from conformance.catalogue import INVARIANTS

REPO = Path(__file__).resolve().parent.parent
CONTRACT = REPO / "docs" / "contract"
INVARIANT_LINK = re.compile(r"\]\(\.\./invariants/([A-Z]+-\d{3})\.md(?:#[^)]*)?\)")


def _pages_linking() -> dict[str, set[str]]:
    """Invariant ID -> names of the contract pages that link its page."""
    linked: dict[str, set[str]] = defaultdict(set)
    for page in sorted(CONTRACT.glob("*.md")):
        for ident in INVARIANT_LINK.findall(page.read_text()):
            linked[ident].add(page.name)
    return linked


def test_every_invariant_is_linked_from_exactly_one_contract_page() -> None:
    linked = _pages_linking()
    missing = sorted(ident for ident in INVARIANTS if not linked.get(ident))
    repeated = {ident: sorted(pages) for ident, pages in sorted(linked.items()) if len(pages) > 1}
    unknown = sorted(set(linked) - set(INVARIANTS))
    assert not missing and not repeated and not unknown, (
        "each invariant of conformance.catalogue is linked from exactly one page of docs/contract/ "
        f"(no page links: {missing}; more than one page links: {repeated}; "
        f"links to IDs not in the catalogue: {unknown})"
    )


def test_every_contract_page_is_in_the_site_navigation() -> None:
    nav = (REPO / "mkdocs.yml").read_text()
    absent = sorted(page.name for page in CONTRACT.glob("*.md") if f"contract/{page.name}" not in nav)
    assert not absent, f"docs/contract pages missing from the nav of mkdocs.yml: {absent}"
