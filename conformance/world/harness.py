"""Where one test's World lives: an event loop in a thread of its own, watched from outside.

The test's thread hands coroutines to the loop (``run``) and waits for each at most its
deadline. Per-call deadlines (``conformance.world.deadlines``) catch a World that awaits
forever; the harness also catches what they cannot: a World whose code blocks the loop (a
synchronous wait, an endless loop) or a kit loop that never ends. When a coroutine outlives its
deadline the harness gives up on it, the loop is abandoned with whatever it was doing, and the
run goes on with a fresh harness for the next test.

No pytest here: outcomes travel as exceptions, ``HarnessTimeout`` for a deadline.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["HarnessTimeout", "TaskEscapedTheLoop", "WorldHarness"]

T = TypeVar("T")

_STOP_GRACE = 5.0
"""Seconds the harness waits for its loop to wind down before leaving the thread behind."""

_ABANDONED_GRACE = 0.5
"""Seconds it waits for a loop it already gave up on."""


class HarnessTimeout(BaseException):
    """A coroutine handed to the harness did not finish within its deadline."""

    def __init__(self, what: str, waited: float) -> None:
        super().__init__(f"{what} did not finish within {waited:g} s")
        self.what = what
        self.waited = waited


class TaskEscapedTheLoop(Exception):
    """A task on the loop (one the World started: the kit's own never do this) raised
    ``SystemExit`` or ``KeyboardInterrupt``, which asyncio lets out of the loop itself. The
    harness kept the loop running; the test that was running fails with this."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(
            f"a task the World started raised {type(error).__name__}"
            f"({', '.join(map(repr, error.args))}) out of the event loop, which stops the loop "
            "of whatever runs the World (the kit kept its loop going)"
        )


class WorldHarness:
    """An event loop running in a daemon thread, for one test."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._executor = concurrent.futures.ThreadPoolExecutor(thread_name_prefix="asyncio")
        self.loop.set_default_executor(self._executor)
        self.abandoned = False
        """True once a coroutine outlived its deadline: the loop may be stuck."""
        self._escaped: list[BaseException] = []
        self._thread = threading.Thread(target=self._serve, name="worldspec-world", daemon=True)
        self._thread.start()

    @property
    def thread_ident(self) -> int:
        """The identity of the loop's thread (the kit's own, not the World's)."""
        return self._thread.ident or 0

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        while True:
            try:
                self.loop.run_forever()
            except (SystemExit, KeyboardInterrupt) as error:
                # Only a task can raise these here (signals reach the main thread): the task
                # is done, every other task still waits on the loop, so serve on.
                self._escaped.append(error)
                continue
            return

    def raise_escaped(self) -> None:
        """Raise ``TaskEscapedTheLoop`` for the first ``SystemExit`` or ``KeyboardInterrupt`` a
        task let out of the loop since the last call, if any."""
        if self._escaped:
            error, self._escaped = self._escaped[0], []
            raise TaskEscapedTheLoop(error).with_traceback(error.__traceback__)

    def run(self, coroutine: Coroutine[Any, Any, T], deadline: float | None, what: str) -> T:
        """Run ``coroutine`` on the loop and return its result or raise what it raised; raise
        ``HarnessTimeout`` if it takes longer than ``deadline`` seconds (``None``: no limit). A
        ``KeyboardInterrupt`` while waiting abandons the loop, as a deadline does, and goes on."""
        if self.abandoned:
            coroutine.close()
            raise HarnessTimeout(f"{what} (not started: an earlier call of this test never finished)", 0)
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(deadline)
        except concurrent.futures.TimeoutError:
            self.abandoned = True
            future.cancel()
            raise HarnessTimeout(what, deadline or 0) from None
        except KeyboardInterrupt:
            # Ctrl-C while the World works: the loop may be stuck in code that never yields,
            # so it is given up on as at a deadline, and the teardown that follows does not
            # wait for it (closing the World would wait its whole close deadline).
            self.abandoned = True
            future.cancel()
            raise

    def release_default_executor(self) -> None:
        """Let the idle threads of the loop's default executor end, as ``asyncio.run`` does
        before it closes its loop. Those threads are the loop's, started for the World's
        ``run_in_executor(None, ...)`` calls (psycopg resolves host names there); idle, they
        would wait for work forever, and a census of what the World left running would name
        them. A job still running there keeps its thread until it ends, and is named."""
        self._executor.shutdown(wait=False)

    def close(self) -> bool:
        """Cancel what is left on the loop, stop it and close it; ``False`` when the loop's thread
        is stuck in code that never yields and had to be left running."""
        if self.loop.is_closed():
            return True
        if self.abandoned:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(_ABANDONED_GRACE)
            if self._thread.is_alive():
                return False
            self.loop.close()
            return True

        async def cancel_the_rest() -> None:
            pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=_STOP_GRACE)

        with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
            asyncio.run_coroutine_threadsafe(cancel_the_rest(), self.loop).result(_STOP_GRACE * 2)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(_STOP_GRACE)
        if self._thread.is_alive():
            return False
        self.loop.close()
        return True
