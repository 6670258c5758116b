"""Whose fault an unexpected exception in a test is: the World's, the kit's reading of a World's
answer, or the kit itself.

A traceback is read from the innermost frame outwards, passing over the frames of the standard
library and installed libraries (pydantic, Hypothesis): the first frame left decides. In the
kit's code, the kit met an answer it could not read (the World returned a wrong shape); in any
other code, the World's own code raised. A traceback of library frames alone is the kit's bug.
"""

from __future__ import annotations

import sysconfig
from pathlib import Path
from typing import Literal

from conformance.reporting.display import show
from conformance.world.recorder import Call, call_arguments
from worldspec.errors import WorkflowError

__all__ = ["Origin", "explain_unexpected", "origin_of"]

Origin = Literal["kit", "world", "library"]

_KIT = str(Path(__file__).resolve().parent.parent)
_LIBRARIES = tuple(
    str(Path(path).resolve())
    for path in {sysconfig.get_paths()[name] for name in ("stdlib", "platstdlib", "purelib", "platlib")}
)


def origin_of(error: BaseException) -> tuple[Origin, str]:
    """Where ``error`` came from, and the file of the frame that decided it."""
    frames: list[str] = []
    trace = error.__traceback__
    while trace is not None:
        frames.append(str(Path(trace.tb_frame.f_code.co_filename).resolve()))
        trace = trace.tb_next
    for filename in reversed(frames):
        if filename.startswith(_KIT):
            return "kit", filename
        if not filename.startswith(_LIBRARIES):
            return "world", filename
    return "library", frames[-1] if frames else ""


def explain_unexpected(error: Exception, calls: list[Call]) -> str:
    """The failure text for ``error``, which a test did not expect, given the test's recorded
    World ``calls``: the rule it breaks and what the World did, in the kit's usual two lines."""
    if isinstance(error, WorkflowError):
        failed = next((call for call in reversed(calls) if call.error is error), None)
        action = (
            f"{failed.method}({call_arguments(failed.args, failed.kwargs)})" if failed else "a World call"
        )
        return f"expected: {action} succeeds\nthe World: raised {error.name}: {error}"
    kind = f"{type(error).__name__}: {error}"
    origin, filename = origin_of(error)
    if origin == "world" and isinstance(error, NotImplementedError):
        return f"expected: the World implements what the rule calls\nthe World: {error} (in {filename})"
    if origin == "world":
        return f"expected: a World raises only contract errors (§3)\nthe World: raised {kind} (in {filename})"
    if origin == "library":
        return (
            "expected: the kit judges this invariant\n"
            f"the World: could not be judged: the kit failed with {kind} (a kit bug; please report it)"
        )
    last = calls[-1] if calls else None
    answer = ""
    if last is not None:
        shown = show(last.result if last.error is None else last.error)
        answer = f"\nthe World's last answer, to {last.method}:\n{shown}"
    return (
        "expected: the World's answers have the shapes the contract gives them\n"
        f"the World: returned something the kit could not read ({kind}, at {Path(filename).name}){answer}"
    )
