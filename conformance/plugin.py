"""The worldspec pytest plugin (entry point ``pytest11: worldspec`` in pyproject.toml).

Nothing is registered yet; the conformance suites will add their options and fixtures here.
The module exists so that the declared entry point resolves and pytest can start at all.
"""
