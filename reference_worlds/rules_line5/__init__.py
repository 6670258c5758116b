"""The rules of ``events.create`` on the 5.x line (world-contract-v7.md §4-§6), free of storage.

The 5.x twin of ``reference_worlds.rules`` (which stays the 4.x line's, shared with LocalWorld
and PostgresWorld): ``decide`` (``decide.py``) runs the processing order, and one module per
kind of event holds its rules (``runs``, ``steps``, ``hooks``, ``waits``, ``legacy``).
``context.py`` says what the rules read (``StoreView``), are told (``Context``) and return
(``Outcome``).
"""

from __future__ import annotations

from reference_worlds.rules_line5.context import Context, Outcome, ResumeClaim, StoreView, wait_id_of
from reference_worlds.rules_line5.decide import decide, validated_request

__all__ = ["Context", "Outcome", "ResumeClaim", "StoreView", "decide", "validated_request", "wait_id_of"]
