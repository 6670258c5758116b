"""The filesystem reference World: ``reference_worlds.local:LocalWorld``."""

from reference_worlds.local.world import LocalWorld

__all__ = ["LocalWorld"]
