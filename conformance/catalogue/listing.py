"""``worldspec invariants``: the catalogue as a table or as JSON (no pytest here).

Each row: ``id``, ``title`` (the statement), ``family`` (prefix), ``familyTitle``, ``level``
(MUST, SHOULD, MAY), ``required`` (true for MUST; SHOULD and MAY rules never fail a World) and
``retired`` (kept in the catalogue, no longer checked).
"""

from __future__ import annotations

import json
from typing import Any

from conformance.catalogue.entries import INVARIANTS

__all__ = ["catalogue_rows", "render_json", "render_table"]


def catalogue_rows() -> list[dict[str, Any]]:
    """One dict per invariant, in catalogue order."""
    return [
        {
            "id": invariant.id,
            "title": invariant.statement,
            "family": invariant.family.prefix,
            "familyTitle": invariant.family.title,
            "level": invariant.level,
            "required": invariant.level == "MUST",
            "retired": invariant.retired,
        }
        for invariant in INVARIANTS.values()
    ]


def render_json() -> str:
    """The rows as a JSON array."""
    return json.dumps(catalogue_rows(), indent=2, ensure_ascii=False)


def render_table() -> str:
    """The rows as a plain-text table: id, family, required/optional (level), title."""
    rows = catalogue_rows()
    id_width = max(len(row["id"]) for row in rows)
    lines = [f"{'id':<{id_width}}  family  {'required':<17}  title"]
    for row in rows:
        need = f"{'required' if row['required'] else 'optional'} ({row['level']})"
        lines.append(f"{row['id']:<{id_width}}  {row['family']:<6}  {need:<17}  {row['title']}")
    lines.append(f"{len(rows)} invariants")
    return "\n".join(lines)
