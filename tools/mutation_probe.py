"""A pytest plugin for mutation runs only (``tools/mutation.py`` passes it with ``-p``).

The kit probes the World while pytest configures itself and turns a World that cannot even be
probed into a usage error (exit code 4). mutmut reads exit code 4 as "the test command is
wrong" and stops the whole run, although for a mutant it means the kit refused the mutated
World, which is a kill. This plugin turns that one refusal into an ordinary failure (exit 1).
The unmutated run still has to pass first (mutmut's clean run), so a command that is really
wrong is still caught there.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

ExitStatus = int | pytest.ExitCode


@pytest.hookimpl(wrapper=True)
def pytest_cmdline_main(config: pytest.Config) -> Generator[None, ExitStatus, ExitStatus]:
    """Run the session; a World the kit could not probe ends it as failed, not as misused."""
    try:
        return (yield)
    except pytest.UsageError as error:
        print(f"the kit refused the mutated World: {error}")
        return pytest.ExitCode.TESTS_FAILED
