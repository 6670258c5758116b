"""The Node bridge: certify a World published on npm (``NodeWorld``). See docs/bridge.md."""

from reference_worlds.node.process import BridgeError
from reference_worlds.node.world import NodeWorld

__all__ = ["BridgeError", "NodeWorld"]
