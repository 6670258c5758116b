"""An accepted event's ``Outcome`` as ONE SQL statement: the append, its entity changes and the
version check, in one round trip and one commit.

The statement is a chain of data-modifying CTEs gated by the first one, ``cas``:

* a new run: ``INSERT INTO runs`` (a concurrent creator makes it fail with a unique violation);
* an existing run: ``UPDATE runs SET last_event_id = <new> ... WHERE last_event_id = <expected>``,
  a compare-and-set that locks the run row and matches no row if another create got there first.

Every other write selects ``FROM cas``, so when the compare-and-set misses nothing is written and
the statement returns no row: the caller decides again on fresh state. A ``hook_conflict`` also
requires the token holder to be live (``FOR KEY SHARE``), so the conflict is real when written.
With ``preload`` the statement returns one row per event of the log before this append, read in
the same snapshot (a row of NULLs for an empty log); otherwise one row. No row at all means the
run moved on.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Final, Literal

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

__all__ = ["Shape", "Statement", "params_of", "refuse_unstorable", "shape_of", "statement_of"]

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


@dataclass(frozen=True)
class Shape:
    """What an outcome writes. Outcomes of one shape share one SQL text, which each connection
    prepares once; only the parameters differ."""

    new_run: bool
    run_changes: bool
    holder: bool
    events: int
    step: Literal["insert", "update"] | None
    hook: bool
    disposed_hook: bool
    wait: Literal["insert", "update"] | None
    release: bool
    preload: ResolveData | None


def shape_of(outcome: rules.Outcome, *, run_exists: bool, holder: bool, preload: ResolveData | None) -> Shape:
    created = {event.event_type for event in outcome.events}
    return Shape(
        new_run=not run_exists,
        run_changes=outcome.run is not None,
        holder=holder,
        events=len(outcome.events),
        step=None if outcome.step is None else "insert" if "step_created" in created else "update",
        hook=outcome.hook is not None,
        disposed_hook=outcome.disposed_hook is not None,
        wait=None if outcome.wait is None else "insert" if "wait_created" in created else "update",
        release=outcome.release_run,
        preload=preload,
    )


def _placeholders(prefix: str, columns: tuple[Column, ...]) -> list[str]:
    return [f"%({prefix}{name})s::{sql_type}" for name, sql_type in columns]


def _insert(cte: str, table: str, prefix: str, columns: tuple[Column, ...]) -> str:
    names = ", ".join(name for name, _ in columns)
    values = ", ".join(_placeholders(prefix, columns))
    return f"{cte} AS (INSERT INTO {table} ({names}) SELECT {values} FROM cas)"


def _update(cte: str, table: str, prefix: str, columns: tuple[Column, ...], where: str) -> str:
    assignments = ", ".join(
        f"{name} = {p}" for (name, _), p in zip(columns, _placeholders(prefix, columns), strict=True)
    )
    return f"{cte} AS (UPDATE {table} SET {assignments} WHERE {where} AND EXISTS (SELECT 1 FROM cas))"


def _mutable(columns: tuple[Column, ...], names: tuple[str, ...]) -> tuple[Column, ...]:
    return tuple(column for column in columns if column[0] in names)


_RUN_CHANGES: Final = _mutable(RUN_COLUMNS, RUN_MUTABLE)
_STEP_CHANGES: Final = _mutable(STEP_COLUMNS, STEP_MUTABLE)
_WAIT_CHANGES: Final = _mutable(WAIT_COLUMNS, WAIT_MUTABLE)


def _run_cte(shape: Shape) -> list[str]:
    if shape.new_run:
        columns = RUN_COLUMNS + _RUN_VERSION_COLUMNS
        names = ", ".join(name for name, _ in columns)
        values = ", ".join(_placeholders("r_", columns))
        return [f"cas AS (INSERT INTO runs ({names}) VALUES ({values}) RETURNING run_id)"]
    changes = _RUN_VERSION_COLUMNS + (_RUN_CHANGES if shape.run_changes else ())
    assignments = [
        f"{name} = {p}" for (name, _), p in zip(changes, _placeholders("r_", changes), strict=True)
    ]
    if shape.run_changes:
        assignments.append("output_json = NULL")
    ctes = []
    guard = ""
    if shape.holder:
        ctes.append(
            "holder AS (SELECT 1 FROM hooks WHERE run_id = %(holder_run)s::text "
            "AND hook_id = %(holder_hook)s::text FOR KEY SHARE)"
        )
        guard = " AND EXISTS (SELECT 1 FROM holder)"
    ctes.append(
        f"cas AS (UPDATE runs SET {', '.join(assignments)} WHERE run_id = %(run_id)s::text "
        f"AND last_event_id IS NOT DISTINCT FROM %(expected)s::text{guard} RETURNING run_id)"
    )
    return ctes


@dataclass(frozen=True)
class Statement:
    """A statement text with positional placeholders and the parameter name of each."""

    query: str
    names: tuple[str, ...]

    def arguments(self, params: dict[str, Any]) -> list[Any]:
        return [params[name] for name in self.names]


@functools.cache
def statement_of(shape: Shape) -> Statement:
    """The statement of ``shape``, its named placeholders made positional (cheaper to bind)."""
    text = _text_of(shape)
    return Statement(_NAMED.sub("%s", text), tuple(_NAMED.findall(text)))


_NAMED: Final = re.compile(r"%\((\w+)\)s")


def _text_of(shape: Shape) -> str:
    """The statement text of ``shape`` (see the module docstring), with named placeholders."""
    ctes = _run_cte(shape)
    ctes += [_insert(f"e{index}", "events", f"e{index}_", EVENT_COLUMNS) for index in range(shape.events)]
    run_step = "run_id = %(run_id)s::text AND step_id = %(s_step_id)s::text"
    if shape.step == "insert":
        ctes.append(_insert("st", "steps", "s_", STEP_COLUMNS))
    elif shape.step == "update":
        ctes.append(_update("st", "steps", "s_", _STEP_CHANGES, run_step))
    if shape.hook:
        ctes.append(_insert("hk", "hooks", "h_", HOOK_COLUMNS))
    if shape.disposed_hook:
        ctes.append(
            "dh AS (DELETE FROM hooks WHERE run_id = %(run_id)s::text AND hook_id = %(disposed)s::text "
            "AND EXISTS (SELECT 1 FROM cas))"
        )
    if shape.wait == "insert":
        ctes.append(_insert("wt", "waits", "w_", WAIT_COLUMNS))
    elif shape.wait == "update":
        ctes.append(_update("wt", "waits", "w_", _WAIT_CHANGES, "wait_id = %(w_wait_id)s::text"))
    if shape.release:
        for cte, table in (("rh", "hooks"), ("rw", "waits")):
            ctes.append(
                f"{cte} AS (DELETE FROM {table} WHERE run_id = %(run_id)s::text "
                "AND EXISTS (SELECT 1 FROM cas))"
            )
    final = "SELECT run_id FROM cas"
    if shape.preload is not None:
        columns = EVENT_SELECT if shape.preload == "all" else EVENT_SELECT_NO_PAYLOAD
        final = (
            f"SELECT cas.run_id, p.* FROM cas LEFT JOIN LATERAL (SELECT {columns} FROM events "
            "WHERE events.run_id = cas.run_id) p ON true ORDER BY p.event_id"
        )
    return "WITH " + ",\n".join(ctes) + "\n" + final


def _bind(params: dict[str, Any], prefix: str, columns: tuple[Column, ...], values: dict[str, Any]) -> None:
    for name, _ in columns:
        params[prefix + name] = values[name]


def params_of(
    outcome: rules.Outcome, shape: Shape, *, expected: str | None, holder: Hook | None
) -> dict[str, Any]:
    """The parameters of ``statement_of(shape)`` for ``outcome``, by name."""
    last = outcome.events[-1]
    params: dict[str, Any] = {
        "run_id": outcome.run_id,
        "expected": expected,
        "r_last_event_id": last.event_id,
        "r_last_event_at": last.created_at,
    }
    if outcome.run is not None:
        _bind(params, "r_", RUN_COLUMNS if shape.new_run else _RUN_CHANGES, run_values(outcome.run))
    if holder is not None:
        params.update(holder_run=holder.run_id, holder_hook=holder.hook_id)
    for index, event in enumerate(outcome.events):
        _bind(params, f"e{index}_", EVENT_COLUMNS, event_values(event))
    if outcome.step is not None:
        values = step_values(outcome.step)
        _bind(params, "s_", STEP_COLUMNS if shape.step == "insert" else _STEP_CHANGES, values)
        params["s_step_id"] = values["step_id"]
    if outcome.hook is not None:
        _bind(params, "h_", HOOK_COLUMNS, hook_values(outcome.hook))
    if outcome.disposed_hook is not None:
        params["disposed"] = outcome.disposed_hook.hook_id
    if outcome.wait is not None:
        values = wait_values(outcome.wait)
        _bind(params, "w_", WAIT_COLUMNS if shape.wait == "insert" else _WAIT_CHANGES, values)
        params["w_wait_id"] = values["wait_id"]
    return params
