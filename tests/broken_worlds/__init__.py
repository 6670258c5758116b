"""Deliberately broken Worlds: each breaks one rule of the contract, so that every invariant
test is proven able to fail.

One module per family of the catalogue (``runs``, ``steps``, ..., and ``races`` for the Worlds
that go wrong only when calls overlap), each World in the module of the invariant it is chiefly
about; ``base`` holds what they build on. Every World is importable from here too
(``--world=tests.broken_worlds:NoPreload``), and ``breaking("RS-006")`` names the Worlds that
prove an invariant's test.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Final

from tests.broken_worlds.base import BrokenWorld

__all__ = ["BROKEN_WORLDS", "FAMILY_MODULES", "BrokenWorld", "breaking"]

FAMILY_MODULES: Final[tuple[ModuleType, ...]] = tuple(
    importlib.import_module(f"{__name__}.{module.name}")
    for module in pkgutil.iter_modules(__path__)
    if module.name != "base"
)
"""One module per family: every module of this package but ``base``."""

BROKEN_WORLDS: Final[dict[str, type[BrokenWorld]]] = dict(
    sorted(
        (world.__name__, world)
        for module in FAMILY_MODULES
        for world in vars(module).values()
        if isinstance(world, type)
        and issubclass(world, BrokenWorld)
        and world.__module__ == module.__name__
        and not world.__name__.startswith("_")
    )
)
"""Every broken World, by class name; a class whose name starts with ``_`` is a base that
several broken Worlds of its module share, not a World of its own."""


def breaking(invariant_id: str) -> list[type[BrokenWorld]]:
    """The broken Worlds the kit must fail on ``invariant_id`` (or, for a SHOULD, warn about)."""
    return [world for world in BROKEN_WORLDS.values() if invariant_id in world.breaks | world.warns]


def __getattr__(name: str) -> type[BrokenWorld]:
    """``tests.broken_worlds.<World>`` for every broken World, whichever module defines it."""
    try:
        return BROKEN_WORLDS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
