"""An accepted event's ``Outcome`` as ONE SQL statement: the append, its entity changes and the
version check, in one round trip and one commit.

The statement is a chain of data-modifying CTEs gated by the first one, ``cas``:

* a new run: ``INSERT INTO runs`` (a concurrent creator makes it fail with a unique violation);
* an existing run: ``UPDATE runs SET last_event_id = <new> ... WHERE last_event_id = <expected>``,
  a compare-and-set that locks the run row and matches no row if another create got there first.

Every other write selects ``FROM cas``, so when the compare-and-set misses nothing is written and
the statement returns no row: the caller decides again on fresh state. A ``hook_conflict`` also
requires the token holder to be live (``FOR KEY SHARE``), so the conflict is real when written.
With ``preload`` the statement returns the log before this append, read in the same snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, LiteralString

from reference_worlds import rules
from reference_worlds.postgres.codec import check_key, check_text
from reference_worlds.postgres.rows import (
    EVENT_COLUMNS,
    EVENT_SELECT,
    EVENT_SELECT_NO_PAYLOAD,
    HOOK_COLUMNS,
    RUN_COLUMNS,
    RUN_MUTABLE,
    STEP_COLUMNS,
    STEP_MUTABLE,
    WAIT_COLUMNS,
    WAIT_MUTABLE,
    Column,
    event_values,
    hook_values,
    run_values,
    step_values,
    wait_values,
)
from worldspec.entities import Hook
from worldspec.pagination import ResolveData

__all__ = ["WriteStatement", "refuse_unstorable", "write_statement"]

_RUN_VERSION_COLUMNS: tuple[Column, ...] = (("last_event_id", "text"), ("last_event_at", "timestamptz"))


def refuse_unstorable(outcome: rules.Outcome) -> None:
    """Raise ``WorkflowWorldError`` (400) if a string the outcome writes into a text column cannot
    be stored there (NUL, a lone surrogate, an over-long identifier)."""
    check_key("runId", outcome.run_id)
    for event in outcome.events:
        if isinstance(event.correlation_id, str):
            check_key("correlationId", event.correlation_id)
    if outcome.run is not None:
        check_text("deploymentId", outcome.run.deployment_id)
        check_text("workflowName", outcome.run.workflow_name)
    if outcome.step is not None:
        check_text("stepName", outcome.step.step_name)
    if outcome.wait is not None:
        check_key("waitId", outcome.wait.wait_id)


@dataclass
class WriteStatement:
    """The SQL text (identical for outcomes of one shape, so the server can prepare it) and its
    named parameters."""

    ctes: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    final: str = ""

    @property
    def query(self) -> str:
        return "WITH " + ",\n".join(self.ctes) + "\n" + self.final

    def bind(self, prefix: str, columns: tuple[Column, ...], values: dict[str, Any]) -> list[str]:
        """Placeholders (cast to each column's type) for ``values``, registering the parameters."""
        placeholders = []
        for name, sql_type in columns:
            self.params[f"{prefix}_{name}"] = values[name]
            placeholders.append(f"%({prefix}_{name})s::{sql_type}")
        return placeholders

    def insert(
        self,
        cte: str,
        table: str,
        prefix: str,
        columns: tuple[Column, ...],
        values: dict[str, Any],
        conflict: str = "",
    ) -> None:
        """``cte AS (INSERT INTO table (...) SELECT ... FROM cas [conflict])``."""
        names = ", ".join(name for name, _ in columns)
        placeholders = ", ".join(self.bind(prefix, columns, values))
        self.ctes.append(f"{cte} AS (INSERT INTO {table} ({names}) SELECT {placeholders} FROM cas{conflict})")


def _upsert(key: LiteralString, mutable: tuple[LiteralString, ...]) -> str:
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in mutable)
    return f" ON CONFLICT ({key}) DO UPDATE SET {updates}"


def _run_cas(
    statement: WriteStatement, outcome: rules.Outcome, expected: str | None, holder: Hook | None
) -> None:
    last = outcome.events[-1]
    version = {"last_event_id": last.event_id, "last_event_at": last.created_at}
    assignments = [
        f"{name} = {placeholder}"
        for (name, _), placeholder in zip(
            _RUN_VERSION_COLUMNS, statement.bind("v", _RUN_VERSION_COLUMNS, version), strict=True
        )
    ]
    if outcome.run is not None:
        mutable = tuple(column for column in RUN_COLUMNS if column[0] in RUN_MUTABLE)
        placeholders = statement.bind("r", mutable, run_values(outcome.run))
        assignments += [f"{name} = {p}" for (name, _), p in zip(mutable, placeholders, strict=True)]
        assignments.append("output_json = NULL")
    statement.params.update(run_id=outcome.run_id, expected=expected)
    guard = ""
    if holder is not None:
        statement.ctes.append(
            "holder AS (SELECT 1 FROM hooks WHERE run_id = %(holder_run)s::text "
            "AND hook_id = %(holder_hook)s::text FOR KEY SHARE)"
        )
        statement.params.update(holder_run=holder.run_id, holder_hook=holder.hook_id)
        guard = " AND EXISTS (SELECT 1 FROM holder)"
    statement.ctes.append(
        f"cas AS (UPDATE runs SET {', '.join(assignments)} WHERE run_id = %(run_id)s::text "
        f"AND last_event_id IS NOT DISTINCT FROM %(expected)s::text{guard} RETURNING run_id)"
    )


def _run_insert(statement: WriteStatement, outcome: rules.Outcome) -> None:
    assert outcome.run is not None, "a create on a missing run either creates it or is refused"
    last = outcome.events[-1]
    values = run_values(outcome.run) | {"last_event_id": last.event_id, "last_event_at": last.created_at}
    columns = RUN_COLUMNS + _RUN_VERSION_COLUMNS
    names = ", ".join(name for name, _ in columns)
    placeholders = ", ".join(statement.bind("r", columns, values))
    statement.ctes.append(f"cas AS (INSERT INTO runs ({names}) VALUES ({placeholders}) RETURNING run_id)")
    statement.params["run_id"] = outcome.run_id


def write_statement(
    outcome: rules.Outcome,
    *,
    run_exists: bool,
    expected: str | None,
    holder: Hook | None,
    preload: ResolveData | None,
) -> WriteStatement:
    """The statement writing ``outcome`` if the run is still at version ``expected``.

    It returns one row per event of the log before this append when ``preload`` is given (a
    row of NULLs for an empty log), else one row; no row at all means the run moved on.
    """
    statement = WriteStatement()
    if run_exists:
        _run_cas(statement, outcome, expected, holder)
    else:
        _run_insert(statement, outcome)
    for index, event in enumerate(outcome.events):
        statement.insert(f"e{index}", "events", f"e{index}", EVENT_COLUMNS, event_values(event))
    if outcome.step is not None:
        statement.insert(
            "st",
            "steps",
            "s",
            STEP_COLUMNS,
            step_values(outcome.step),
            _upsert("run_id, step_id", STEP_MUTABLE),
        )
    if outcome.hook is not None:
        statement.insert("hk", "hooks", "h", HOOK_COLUMNS, hook_values(outcome.hook))
    if outcome.disposed_hook is not None:
        statement.ctes.append(
            "dh AS (DELETE FROM hooks WHERE run_id = %(run_id)s::text AND hook_id = %(disposed)s::text "
            "AND EXISTS (SELECT 1 FROM cas))"
        )
        statement.params["disposed"] = outcome.disposed_hook.hook_id
    if outcome.wait is not None:
        statement.insert(
            "wt", "waits", "w", WAIT_COLUMNS, wait_values(outcome.wait), _upsert("wait_id", WAIT_MUTABLE)
        )
    if outcome.release_run:
        statement.ctes.append(
            "rh AS (DELETE FROM hooks WHERE run_id = %(run_id)s::text AND EXISTS (SELECT 1 FROM cas))"
        )
        statement.ctes.append(
            "rw AS (DELETE FROM waits WHERE run_id = %(run_id)s::text AND EXISTS (SELECT 1 FROM cas))"
        )
    if preload is None:
        statement.final = "SELECT run_id FROM cas"
    else:
        columns = EVENT_SELECT if preload == "all" else EVENT_SELECT_NO_PAYLOAD
        statement.final = (
            f"SELECT cas.run_id, p.* FROM cas LEFT JOIN LATERAL (SELECT {columns} FROM events "
            "WHERE events.run_id = cas.run_id) p ON true ORDER BY p.event_id"
        )
    return statement
