"""The invariant catalogue: its entries, the ``@invariant`` marker that ties a suite test to an
entry, the ``worldspec invariants`` listing, and the generated docs pages."""

from conformance.catalogue.entries import FAMILIES, INVARIANTS, Family, Invariant, Level, invariant_by_id

__all__ = ["FAMILIES", "INVARIANTS", "Family", "Invariant", "Level", "invariant_by_id"]
