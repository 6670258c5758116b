"""``badge.svg``: the level a World reached, as a flat two-part badge (self-contained SVG)."""

from __future__ import annotations

from html import escape

__all__ = ["BADGE_COLOURS", "badge_svg"]

BADGE_COLOURS: dict[str | None, str] = {"full": "#2e8b3a", "core": "#6a9e1f", None: "#c8412f"}
"""The right-hand colour per level reached (``None``: not certified)."""

_LABEL_COLOUR = "#555"
_HEIGHT = 20
_PADDING = 6
_NARROW = frozenset("iljtf.,:;!| 1'")
_WIDE = frozenset("mwMW@")


def _text_width(text: str) -> int:
    """An estimate of ``text``'s width in pixels at 11 px Verdana (no font metrics offline)."""
    return sum(4 if char in _NARROW else 10 if char in _WIDE else 7 for char in text)


def badge_svg(reached_level: str | None, line: str | None) -> str:
    """The badge: ``worldspec 4.x`` (the line judged on) on the left, the level reached (or ``not
    certified``) on the right, coloured by ``BADGE_COLOURS``. ``line`` ``None`` is a World the
    kit refused to judge: ``worldspec`` / ``refused``."""
    label = f"worldspec {line}" if line is not None else "worldspec"
    message = reached_level or ("not certified" if line is not None else "refused")
    colour = BADGE_COLOURS.get(reached_level, BADGE_COLOURS[None])
    label_width = _text_width(label) + 2 * _PADDING
    message_width = _text_width(message) + 2 * _PADDING
    width = label_width + message_width
    title = escape(f"{label}: {message}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="worldspec-badge" width="{width}" '
        f'height="{_HEIGHT}" viewBox="0 0 {width} {_HEIGHT}" role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        f'<rect width="{label_width}" height="{_HEIGHT}" rx="3" fill="{_LABEL_COLOUR}"/>'
        f'<rect x="{label_width}" width="{message_width}" height="{_HEIGHT}" rx="3" fill="{colour}"/>'
        f'<rect x="{label_width}" width="4" height="{_HEIGHT}" fill="{colour}"/>'
        f'<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle">'
        f'<text x="{label_width / 2}" y="14">{escape(label)}</text>'
        f'<text x="{label_width + message_width / 2}" y="14" class="level">{escape(message)}</text>'
        "</g></svg>"
    )
