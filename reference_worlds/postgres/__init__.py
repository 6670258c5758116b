"""The PostgreSQL reference World: ``pytest --world=reference_worlds.postgres:PostgresWorld``.

See docs/reference-worlds/postgres.md for the schema, migrations, isolation and legacy rules.
"""

from reference_worlds.postgres.world import PostgresWorld

__all__ = ["PostgresWorld"]
