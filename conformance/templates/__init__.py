"""Templates of the files ``worldspec init`` writes (data only)."""
