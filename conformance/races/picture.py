"""A history drawn as SVG: one lane per client, each call a bar from invocation to return.

The picture reads like Jepsen's timelines: clients top to bottom (setup first, the observer
last), time left to right, a call's bar from when it was invoked to when it returned (a call
with no return, its outcome unknown, runs on to the right edge, dashed), coloured by outcome,
the calls of the anomaly outlined in red, and the fault, if any, a red vertical line. The time
axis is *ordinal*: every invocation and return gets a column of its own, in real-time order, so
calls microseconds apart stay readable; real times are in each bar's tooltip.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from html import escape

from conformance.races.linearizability import SETUP, History, Op
from conformance.reporting.records import Evidence

__all__ = ["attach_picture", "draw_history"]

COLUMN = 66
LANE = 44
LEFT = 90
TOP = 34
BAR = 24
_FILL = {"ok": "#cfe8cf", "error": "#f6d8a8", "unknown": "#e2e2e2"}


def _lanes(history: History) -> list[str]:
    """Setup first, then the clients ``p1``, ``p2``… in order, then the others (the observer,
    calls made after it) in the order they first called."""
    first_call: dict[str, int] = {}
    for op in history.ops:
        first_call[op.client] = min(first_call.get(op.client, op.invoked), op.invoked)
    clients = sorted(
        (name for name in first_call if re.fullmatch(r"[pc]\d+", name)), key=lambda name: int(name[1:])
    )
    others = sorted(
        (name for name in first_call if name not in clients and name != SETUP), key=first_call.__getitem__
    )
    return [SETUP] * (SETUP in first_call) + clients + others


def _columns(history: History, fault_at: int | None) -> dict[int, int]:
    times = {op.invoked for op in history.ops} | {
        op.returned for op in history.ops if op.returned is not None
    }
    if fault_at is not None:
        times.add(fault_at)
    return {time: column for column, time in enumerate(sorted(times))}


def _label(op: Op) -> str:
    call = op.call.describe() if hasattr(op.call, "describe") else str(op.call)
    name = call.split("(")[0]
    if name == "events.create" and len(op.call.args) > 1:
        name = str(getattr(op.call.args[1], "event_type", name))
    outcome = {"ok": "ok", "unknown": "?"}.get(op.outcome.kind, str(op.outcome.value).split(" ")[0])
    return f"{name} → {outcome}"


def draw_history(
    history: History,
    highlighted: Collection[int] = (),
    *,
    fault_at: int | None = None,
    fault_label: str = "",
    title: str = "",
) -> str:
    """The SVG document of ``history``; calls whose index is in ``highlighted`` are outlined,
    and ``fault_at`` (``time.monotonic_ns``) is drawn as a vertical line labelled
    ``fault_label``."""
    lanes = _lanes(history)
    columns = _columns(history, fault_at)
    width = LEFT + COLUMN * (len(columns) + 1)
    height = TOP + LANE * len(lanes) + 20
    origin = min((op.invoked for op in history.ops), default=0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="history" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(title or 'history')}</title>",
        f'<text x="4" y="14" font-weight="bold">{escape(title)}</text>',
        f'<text x="{LEFT}" y="{height - 6}" fill="#555">time → (ordinal: one column per invocation '
        "or return, in real-time order; hover a bar for its times)</text>",
    ]
    for number, lane in enumerate(lanes):
        y = TOP + LANE * number
        parts.append(f'<text x="4" y="{y + BAR / 2 + 4}" class="lane">{escape(lane)}</text>')
        parts.append(f'<line x1="{LEFT}" y1="{y + BAR + 6}" x2="{width}" y2="{y + BAR + 6}" stroke="#eee"/>')
    for op in history.ops:
        y = TOP + LANE * lanes.index(op.client)
        x = LEFT + COLUMN * columns[op.invoked]
        end = width - 4 if op.returned is None else LEFT + COLUMN * (columns[op.returned] + 1) - 4
        marked = op.index in highlighted
        stroke = ' stroke="#c00" stroke-width="3"' if marked else ' stroke="#777"'
        dash = ' stroke-dasharray="5 3"' if op.returned is None else ""
        times = f"{(op.invoked - origin) / 1e6:.3f} ms … " + (
            "no return" if op.returned is None else f"{(op.returned - origin) / 1e6:.3f} ms"
        )
        parts.append(
            f'<g class="call{" anomaly" if marked else ""}" data-index="{op.index}">'
            f"<title>#{op.index} {escape(op.describe())} ({times})</title>"
            f'<rect x="{x}" y="{y}" width="{max(end - x, 6)}" height="{BAR}" rx="3" '
            f'fill="{_FILL[op.outcome.kind]}"{stroke}{dash}/>'
            f'<text x="{x + 4}" y="{y + BAR / 2 + 4}">{escape(_label(op))}</text></g>'
        )
    if fault_at is not None:
        x = LEFT + COLUMN * columns[fault_at] + COLUMN // 4
        parts.append(
            f'<g class="fault"><line x1="{x}" y1="{TOP - 8}" x2="{x}" y2="{height - 18}" stroke="#c00" '
            f'stroke-width="2" stroke-dasharray="6 3"/><text x="{x + 4}" y="{TOP - 10}" fill="#c00">'
            f"{escape(fault_label or 'fault')}</text></g>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def attach_picture(
    evidence: Evidence,
    history: History,
    highlighted: Collection[int],
    *,
    fault_at: int | None = None,
    fault_label: str = "",
    title: str = "",
) -> None:
    """Keep the picture of a failing history in ``evidence``, for the reports."""
    evidence.picture = draw_history(
        history, highlighted, fault_at=fault_at, fault_label=fault_label, title=title
    )
