"""The races of §8 with each racing call made from an OS process of its own.

For Worlds that declare ``multi_process``. Workers (``conformance.races.worker``) open the World
with the Factory and the World's ``worldspec_shared_options`` (keyword arguments that open
another World over the same storage; without them, the ``--world-opt`` options), and must find
a run the test process's World created before any race starts. Setup calls and the
observation go through the World of the test process; the racing calls go one per
worker, released together. Odd rounds pause every worker for ``PAUSE_MS`` at each of the
World's pause points (where it allows them), so checks made in one process meet writes made in
another; even rounds run without pauses.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import tempfile
from collections.abc import Sequence
from typing import IO, Any

from conformance.checks.scenarios import pending_run
from conformance.model.calls import WorldCall
from conformance.races.edge import Race, RaceFailure
from conformance.races.interleaving import accepts_pauses, record
from conformance.races.linearizability import OBSERVER, SETUP, History, check
from conformance.races.results import Outcome, from_json
from conformance.races.worker import encode_call
from conformance.reporting.profiles import Budget
from conformance.reporting.records import Evidence
from conformance.world.loading import WorldSpec
from conformance.world.oracle import oracle_factory
from worldspec import wire
from worldspec.protocol import World

__all__ = [
    "PAUSE_MS",
    "UnsharedStorageError",
    "WorkerError",
    "Workers",
    "check_shared_storage",
    "hunt_across_processes",
    "hunt_with_workers",
    "shared_options",
]

PAUSE_MS = 5.0
"""How long a worker pauses at each pause point in a pausing round."""

STARTUP_TIMEOUT = 60.0


class WorkerError(Exception):
    """A worker process failed; the message holds what it wrote to stderr."""


class UnsharedStorageError(WorkerError):
    """The workers' Worlds do not see what the test process's World wrote."""


def shared_options(world: World, spec: WorldSpec) -> dict[str, Any]:
    """The Factory options that open another World over ``world``'s storage."""
    found = getattr(world, "worldspec_shared_options", None)
    return dict(found) if found is not None else dict(spec.options)


class Workers:
    """Worker processes, each serving one racing client (see ``conformance.races.worker``)."""

    def __init__(self, processes: list[asyncio.subprocess.Process], logs: Sequence[IO[bytes]]) -> None:
        self._processes = processes
        self._logs = logs

    @classmethod
    async def start(cls, target: str, options: dict[str, Any], count: int) -> Workers:
        """Start ``count`` workers and wait until each has opened its World."""
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(path or "." for path in sys.path)}
        logs = [tempfile.TemporaryFile() for _ in range(count)]  # noqa: SIM115 (closed by close())
        processes = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "conformance.races.worker",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                env=environment,
            )
            for log in logs
        ]
        workers = cls(processes, logs)
        opening = {"target": target, "options": wire.to_tagged(options)}
        await workers._broadcast([opening] * count)
        await workers._answers("ready", STARTUP_TIMEOUT)
        return workers

    async def race(
        self, calls: Sequence[WorldCall], pause_ms: float, call_timeout: float
    ) -> list[tuple[int, int | None, Outcome, int]]:
        """Make ``calls[i]`` in worker ``i``, released together; ``(invoked, returned, outcome,
        pauses made)`` of each."""
        commands = [
            {"call": encode_call(call), "pause_ms": pause_ms, "timeout": call_timeout} for call in calls
        ]
        await self._broadcast(commands)
        await self._answers("armed", call_timeout, len(calls))
        await self._broadcast(["go"] * len(calls))
        answers = await self._answers("outcome", call_timeout * 2, len(calls))
        return [
            (answer["invoked"], answer["returned"], from_json(answer["outcome"]), answer["paused"])
            for answer in answers
        ]

    async def close(self) -> None:
        """Ask every worker to quit, and wait for it."""
        for process in self._processes:
            if process.returncode is None and process.stdin is not None:
                process.stdin.write(b'"quit"\n')
        for process in self._processes:
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()
        for log in self._logs:
            log.close()

    async def _broadcast(self, messages: Sequence[Any]) -> None:
        for process, message in zip(self._processes, messages, strict=False):
            assert process.stdin is not None
            process.stdin.write(json.dumps(message).encode() + b"\n")
        await asyncio.gather(*(p.stdin.drain() for p in self._processes[: len(messages)] if p.stdin))

    async def _answers(self, key: str, timeout: float, count: int | None = None) -> list[dict[str, Any]]:
        chosen = self._processes[: count if count is not None else len(self._processes)]
        try:
            lines = await asyncio.wait_for(
                asyncio.gather(*(p.stdout.readline() for p in chosen if p.stdout)), timeout
            )
        except TimeoutError:
            raise WorkerError(
                f"workers did not answer {key!r} within {timeout:.0f} s{self._stderr()}"
            ) from None
        answers = []
        for line in lines:
            if not line:
                raise WorkerError(f"a worker exited before answering {key!r}{self._stderr()}")
            answer = json.loads(line)
            if key not in answer:
                raise WorkerError(f"a worker answered {answer!r} instead of {key!r}")
            answers.append(answer)
        return answers

    def _stderr(self) -> str:
        for log in self._logs:
            log.seek(0)
            text = log.read().decode(errors="replace").strip()
            if text:
                return f"; a worker wrote:\n{text[-3000:]}"
        return ""


async def hunt_across_processes(
    world: World,
    spec: WorldSpec,
    races: Sequence[Race],
    *,
    rounds: int,
    width: int,
    rng: random.Random,
    call_timeout: float,
    budget: Budget,
    evidence: Evidence,
    then_once: Sequence[Race] = (),
) -> RaceFailure | None:
    """Run up to ``rounds`` rounds (fewer when ``budget`` runs out), cycling through ``races``,
    then one round of each race of ``then_once``, with racing calls from ``width`` worker
    processes; the first round whose history is not linearizable, if any."""
    options = shared_options(world, spec)
    workers = await Workers.start(spec.target, options, width)
    try:
        await check_shared_storage(world, workers, options, width, call_timeout)
        return await hunt_with_workers(
            world,
            workers,
            races,
            rounds=rounds,
            width=width,
            rng=rng,
            call_timeout=call_timeout,
            budget=budget,
            evidence=evidence,
            then_once=then_once,
        )
    finally:
        await workers.close()


async def check_shared_storage(
    world: World, workers: Workers, options: dict[str, Any], count: int, call_timeout: float
) -> None:
    """Raise ``UnsharedStorageError`` unless every worker finds a run the test's World created."""
    run_id = await pending_run(world)
    answers = await workers.race([WorldCall("runs.get", (run_id,))] * count, 0.0, call_timeout)
    blind = [number for number, (_, _, outcome, _) in enumerate(answers, 1) if outcome.kind != "ok"]
    if blind:
        raise UnsharedStorageError(
            f"worker processes {blind}, whose Worlds were opened with {options!r}, do not find run "
            f"{run_id} created through the test's World: they do not share its storage. Give the "
            "World a worldspec_shared_options attribute naming its storage (docs/writing-a-factory.md)."
        )


async def hunt_with_workers(
    world: World,
    workers: Workers,
    races: Sequence[Race],
    *,
    rounds: int,
    width: int,
    rng: random.Random,
    call_timeout: float,
    budget: Budget,
    evidence: Evidence,
    then_once: Sequence[Race] = (),
) -> RaceFailure | None:
    """``hunt_across_processes`` with workers already started over ``world``'s storage."""
    evidence.forced = accepts_pauses(world)
    cycled = [(number, races[(number - 1) % len(races)]) for number in range(1, rounds + 1)]
    for number, race in [*cycled, *enumerate(then_once, start=1)]:
        if budget.spent():
            evidence.budget_reached = True
            return None
        evidence.attempts += 1
        built = race.round(rng, width, number)
        history = History()
        for call in built.setup:
            await record(history, SETUP, call, world, call_timeout)
        racing = [calls[0] for calls in built.clients]
        pause = PAUSE_MS if number % 2 else 0.0
        answers = await workers.race(racing, pause, call_timeout)
        for client, (call, answer) in enumerate(zip(racing, answers, strict=True), 1):
            invoked, returned, outcome, _ = answer
            history.add(f"p{client}", call, invoked, returned, outcome)
        evidence.forced_rounds += any(paused for *_, paused in answers)
        if built.observation is not None:
            await record(history, OBSERVER, built.observation, world, call_timeout)
        violation = await check(history, oracle_factory(race.spec_version))
        if violation is not None:
            return RaceFailure(race, number, "processes", violation)
    return None
