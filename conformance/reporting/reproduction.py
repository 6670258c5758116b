"""The program a failure report prints: the recorded calls as a runnable check of the rule.

The program repeats the calls the kit made, in order, on a fresh World of the same Factory.
A call the kit expected to raise sits in ``try``/``except`` of the expected error class, and
any other outcome is written down as a breach; a call that must succeed ends the program when
it does not; calls the kit made at once are ``asyncio.gather``-ed. The program ends with
``conformance.reporting.reproduce.judge``, which plays the same calls on the reference World
and prints whether the World broke the rule (exit status 1) or kept it (0).
"""

from __future__ import annotations

import builtins
import sys
from collections.abc import Sequence
from typing import Any

from conformance.catalogue.entries import Invariant
from conformance.world.recorder import Call, Expectation, render

__all__ = ["concurrent_blocks", "reproduction_program"]

_INDENT = "    "
_NEVER_ENDED = sys.maxsize
"""The end tick of a call still in flight when the test ended: every later call overlaps it."""


def concurrent_blocks(calls: Sequence[Call]) -> list[list[tuple[int, Call]]]:
    """The calls, numbered from 1, cut into blocks made one after another; the calls of one
    block were concurrent: made in one ``concurrently`` group, or overlapping in time."""
    blocks: list[list[tuple[int, Call]]] = []
    latest_end = 0
    for number, call in enumerate(calls, start=1):
        previous = blocks[-1][-1][1] if blocks else None
        joins = (
            previous is not None
            and not call.synchronous
            and not previous.synchronous
            and ((call.group is not None and call.group == previous.group) or call.started < latest_end)
        )
        if joins:
            blocks[-1].append((number, call))
        else:
            blocks.append([(number, call)])
            latest_end = 0
        latest_end = max(latest_end, call.ended if call.ended is not None else _NEVER_ENDED)
    return blocks


def _invocation(call: Call, minted: dict[str, str]) -> str:
    arguments = ", ".join(
        [render(arg, minted) for arg in call.args]
        + [f"{key}={render(value, minted)}" for key, value in call.kwargs.items()]
    )
    invoked = f"world.{call.method}({arguments})"
    if call.method == "read_from_stream":
        return f"drained({invoked})"
    return invoked


def _awaited(call: Call, minted: dict[str, str]) -> str:
    invocation = _invocation(call, minted)
    if call.synchronous and call.method != "read_from_stream":
        return invocation
    return f"await {invocation}"


def _error_names(expectation: Expectation) -> str:
    return " or ".join(cls.__name__ for cls in expectation.errors)


def _single(number: int, call: Call, minted: dict[str, str]) -> list[str]:
    assign = f"{call.variable} = " if call.variable else ""
    expected = call.expected
    if expected is None and call.error is None:
        return [f"{assign}{_awaited(call, minted)}"]
    if expected is None:
        return [
            "try:",
            f"{_INDENT}{assign}{_awaited(call, minted)}",
            "except Exception as error:",
            f"{_INDENT}print('call {number} raised', repr(error), "
            f"'(in the kit run it raised {type(call.error).__name__})')",
        ]
    if expected.kind == "succeeds":
        return [
            "try:",
            f"{_INDENT}{assign}{_awaited(call, minted)}",
            "except Exception as error:",
            f"{_INDENT}verdict.broke({number}, {call.method!r}, 'must succeed', error)",
            f"{_INDENT}return",
        ]
    wanted = f"{'raises' if expected.kind == 'raises' else 'is refused with'} {_error_names(expected)}"
    caught = ", ".join(cls.__name__ for cls in expected.errors)
    answered = [
        "except MalformedAnswer as error:",
        f"{_INDENT}verdict.broke({number}, {call.method!r}, {wanted!r}, error)",
    ]
    return [
        "try:",
        f"{_INDENT}{_awaited(call, minted)}",
        *(answered if expected.kind == "refused" else []),
        f"except ({caught},):",
        f"{_INDENT}pass",
        "except Exception as error:",
        f"{_INDENT}verdict.broke({number}, {call.method!r}, {wanted!r}, error)",
        "else:",
        f"{_INDENT}verdict.broke({number}, {call.method!r}, {wanted!r}, 'it returned')",
    ]


def _gathered(block: list[tuple[int, Call]], minted: dict[str, str]) -> list[str]:
    first, last = block[0][0], block[-1][0]
    lines = ["outcomes = await asyncio.gather("]
    lines += [f"{_INDENT}{_invocation(call, minted)}," for _, call in block]
    lines += [f"{_INDENT}return_exceptions=True,", ")"]
    lines.append(f"verdict.gathered('calls {first}-{last} (made at once)', outcomes)")
    for position, (_, call) in enumerate(block):
        if call.variable:
            lines.append(f"{call.variable} = outcomes[{position}]")
    return lines


def _imports(calls: Sequence[Call], module: str, factory: str) -> list[str]:
    errors: dict[str, set[str]] = {}
    for call in calls:
        for cls in call.expected.errors if call.expected else ():
            if getattr(builtins, cls.__name__, None) is not cls:
                errors.setdefault(cls.__module__, set()).add(cls.__name__)
    lines = [
        "import asyncio",
        "import datetime",
        "import importlib",
        "",
        "from conformance.reporting.reproduce import delivered, drained, judge",
        "from worldspec import CreateEventParams, PaginationOptions, parse_event_request",
        "from worldspec.queue import QueueOptions, parse_queue_payload",
        "from worldspec.validation import MalformedAnswer",
    ]
    lines += [f"from {where} import {', '.join(sorted(names))}" for where, names in sorted(errors.items())]
    lines.append(f"from {module} import {factory.split('.')[0]}")
    return lines


def reproduction_program(
    invariant: Invariant, target: str, options: dict[str, Any], calls: Sequence[Call]
) -> str:
    """A Python program that replays ``calls`` on a fresh World of ``target`` and prints whether
    the World broke ``invariant`` (see the module docstring)."""
    module, _, factory = target.partition(":")
    lines = [
        f'"""Replays the calls of {invariant.id} on {target} and checks the rule."""',
        "",
        *_imports(calls, module, factory),
        "",
        "",
        "async def scenario(world, verdict):",
    ]
    minted: dict[str, str] = {}
    for block in concurrent_blocks(calls):
        body = _single(*block[0], minted) if len(block) == 1 else _gathered(block, minted)
        lines += [f"{_INDENT}{line}" for line in body]
        for _, call in block:
            if call.variable and call.error is None:
                minted[str(call.result.run.run_id)] = f"{call.variable}.run.run_id"
    lines += [
        "",
        "",
        "raise SystemExit(asyncio.run(judge(",
        f"{_INDENT}{invariant.id!r},",
        f"{_INDENT}{invariant.statement!r},",
        f"{_INDENT}lambda: {factory}(**{options!r}),",
        f"{_INDENT}scenario,",
        ")))",
    ]
    return "\n".join(lines)
