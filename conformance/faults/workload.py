"""What the clients of a fault round do: the life of a run, one run per client.

Each client creates and starts a run of its own, creates, starts and completes a step, creates
a hook on a token every client of the round asks for (one wins, the others get
``hook_conflict``), records a payload on its hook and completes the run, which frees the token.
So a kill anywhere in the sequence leaves entities of every kind half way, and the token shows
whether a claim survived without its hook. The observation afterwards reads every run, log,
step, live hook and the token's holder.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.checks import make
from conformance.model.calls import WorldCall
from conformance.races.results import Observation
from worldspec.events import EventRequest

__all__ = ["CALLS_PER_CLIENT", "Workload", "workload"]


@dataclass(frozen=True)
class Workload:
    """The calls of each client, in order, and what to read after the fault."""

    clients: tuple[tuple[WorldCall, ...], ...]
    observation: Observation


def _create(run_id: str, request: EventRequest) -> WorldCall:
    return WorldCall("events.create", (run_id, request))


def _client_calls(token: str) -> tuple[WorldCall, ...]:
    run_id, step_id, hook_id = make.new_id("wrun"), make.new_id("step"), make.new_id("hook")
    return (
        _create(run_id, make.run_created()),
        _create(run_id, make.run_started()),
        _create(run_id, make.step_created(step_id)),
        _create(run_id, make.step_started(step_id)),
        _create(run_id, make.hook_created(hook_id, token)),
        _create(run_id, make.step_completed(step_id)),
        _create(run_id, make.hook_received(hook_id)),
        _create(run_id, make.run_completed()),
    )


CALLS_PER_CLIENT = 8
"""How many calls each client makes (the length of ``_client_calls``)."""


def workload(width: int) -> Workload:
    """A fresh workload for ``width`` clients (fresh ids, one shared token)."""
    token = f"fault-token-{make.new_id('hook')}"
    clients = tuple(_client_calls(token) for _ in range(width))
    runs = tuple(str(calls[0].args[0]) for calls in clients)
    steps = tuple((str(calls[2].args[0]), str(calls[2].args[1].correlation_id)) for calls in clients)
    return Workload(clients, Observation(runs, steps, (token,)))
