"""``worldspec invariants``: the catalogue as a table or as JSON (no pytest here).

Each row: ``id``, ``title`` (the statement), ``family`` (prefix), ``familyTitle``, ``level``
(MUST, SHOULD, MAY), ``required`` (true for MUST; SHOULD and MAY rules never fail a World) and
``retired`` (kept in the catalogue, no longer checked) and ``lines`` (the lines of the contract it
judges: ``4.x``, ``5.x``). ``--spec N`` keeps the invariants of the line of spec version ``N``.
"""

from __future__ import annotations

import json
from typing import Any

from conformance.catalogue.entries import INVARIANTS
from worldspec.lines import SpecLine

__all__ = ["catalogue_rows", "render_json", "render_table"]


def catalogue_rows(line: SpecLine | None = None) -> list[dict[str, Any]]:
    """One dict per invariant, in catalogue order; with ``line``, only that line's invariants."""
    return [
        {
            "id": invariant.id,
            "title": invariant.statement,
            "family": invariant.family.prefix,
            "familyTitle": invariant.family.title,
            "level": invariant.level,
            "required": invariant.level == "MUST",
            "retired": invariant.retired,
            "lines": [value.value for value in SpecLine if value in invariant.lines],
        }
        for invariant in INVARIANTS.values()
        if line is None or invariant.applies_to(line)
    ]


def render_json(line: SpecLine | None = None) -> str:
    """The rows as a JSON array."""
    return json.dumps(catalogue_rows(line), indent=2, ensure_ascii=False)


def render_table(line: SpecLine | None = None) -> str:
    """The rows as a plain-text table: id, family, lines, required/optional (level), title."""
    rows = catalogue_rows(line)
    id_width = max(len(row["id"]) for row in rows)
    lines = [f"{'id':<{id_width}}  family  {'lines':<8}  {'required':<17}  title"]
    for row in rows:
        need = f"{'required' if row['required'] else 'optional'} ({row['level']})"
        judged = ",".join(row["lines"])
        lines.append(f"{row['id']:<{id_width}}  {row['family']:<6}  {judged:<8}  {need:<17}  {row['title']}")
    scope = f" of the {line} line" if line is not None else ""
    lines.append(f"{len(rows)} invariants{scope}")
    return "\n".join(lines)
