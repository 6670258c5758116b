"""Loading the World under test: its Factory, its capabilities, the recording proxy, the kit's
clock, and the oracle."""
