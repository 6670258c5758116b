"""What the kit counts as a World refusing a call (``conformance.checks.expect.rejects``)."""

from __future__ import annotations

import asyncio

import pytest

from conformance.checks.expect import rejects
from worldspec.validation import MalformedAnswer, ValidationError


async def _raising(error: Exception) -> None:
    raise error


def test_a_validation_error_is_a_refusal_where_value_errors_are_accepted() -> None:
    """A Python World that validates what it is sent refuses with a ``ValidationError``."""
    refused = asyncio.run(
        rejects(_raising(ValidationError("event", ["eventType: no"])), "a create", (ValueError,))
    )
    assert isinstance(refused, ValidationError)


def test_a_malformed_answer_is_never_a_refusal() -> None:
    """A result that failed the bridge's model check means the World answered: the rule fails."""
    answer = MalformedAnswer("event", ["eventType: unknown value 'step_exploded'"])
    with pytest.raises(pytest.fail.Exception, match="the World answered with an invalid event"):
        asyncio.run(rejects(_raising(answer), "step_exploded", (ValueError,)))
