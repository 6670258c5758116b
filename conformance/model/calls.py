"""``WorldCall``: one call of a World method, replayable on any World and shown briefly."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from worldspec.protocol import World
from worldspec.wire_types import MISSING

__all__ = ["WorldCall", "brief"]


@dataclass(frozen=True, eq=False)
class WorldCall:
    """``world.<method>(*args, **kwargs)``; ``method`` is dotted (``"events.create"``)."""

    method: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    async def on(self, world: World) -> Any:
        """Make this call on ``world`` and return what it returns (or raise what it raises)."""
        target: Any = world
        for part in self.method.split("."):
            target = getattr(target, part)
        return await target(*self.args, **self.kwargs)

    def describe(self) -> str:
        """A one-line form for people: requests by type and correlationId, long ids shortened."""
        shown = [brief(arg) for arg in self.args]
        shown += [f"{key}={brief(value)}" for key, value in self.kwargs.items()]
        return f"{self.method}({', '.join(shown)})"


def brief(value: Any) -> str:
    """``value`` in a few characters: an event request as ``step_completed step_01KB…``."""
    if isinstance(value, BaseModel) and hasattr(value, "event_type"):
        correlation = getattr(value, "correlation_id", MISSING)
        return str(value.event_type) + ("" if correlation is MISSING else f" {_short(str(correlation))}")
    if isinstance(value, BaseModel):
        wire = value.model_dump(by_alias=True, mode="python", exclude_defaults=True)
        return f"{type(value).__name__}({', '.join(f'{k}={v!r}' for k, v in wire.items())})"
    if isinstance(value, str):
        return _short(value)
    return repr(value)


def _short(text: str) -> str:
    prefix, sep, rest = text.partition("_")
    if sep and len(rest) == 26:
        return f"{prefix}_…{rest[-6:]}"
    return text
