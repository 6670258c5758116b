"""What the clients of a fault round do: the life of a run, one run per client.

Each client creates and starts a run of its own, creates, starts and completes a step, creates
a hook on a token of its own, records a payload on its hook and completes the run, which frees
the token. So a kill anywhere in the sequence leaves entities of every kind half way, and the
tokens show whether a claim survived without its hook. Clients share nothing: a fault round
judges what a kill does, and races between clients are the LIN and HOOK families' business
(a World that loses the token race would otherwise fail FAULT-002 for it). The observation
afterwards reads every run, log, step, live hook and each token's holder.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.checks import make
from conformance.model.calls import WorldCall
from conformance.races.results import Observation
from worldspec.events import EventRequest

__all__ = ["CALLS_PER_CLIENT", "INSIDE_CALLS", "Workload", "workload"]


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

INSIDE_CALLS = (1, 2, 3, 4, 5, 7)
"""The calls a kill inside a call strikes: each changes an entity as well as appending its
event (``hook_received``, the seventh, only appends), and each follows an acknowledged call of
the same client, so a kill there can tear a write and can lose an earlier one."""


def workload(width: int) -> Workload:
    """A fresh workload for ``width`` clients (fresh ids, a token per client)."""
    tokens = tuple(f"fault-token-{make.new_id('hook')}" for _ in range(width))
    clients = tuple(_client_calls(token) for token in tokens)
    runs = tuple(str(calls[0].args[0]) for calls in clients)
    steps = tuple((str(calls[2].args[0]), str(calls[2].args[1].correlation_id)) for calls in clients)
    return Workload(clients, Observation(runs, steps, tokens))
