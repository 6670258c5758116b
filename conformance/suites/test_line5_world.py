"""What a 5.x World declares and accepts as a whole (world-contract-v7.md §1.2, §11): its spec
version, and the queue names of a line without step queues. These replace LEG-001 and Q-001
for spec 6 and above."""

from __future__ import annotations

from conformance.catalogue.marker import invariant
from conformance.checks import make
from conformance.checks.expect import fail, rejects, returns
from worldspec import errors
from worldspec.capabilities import Capability
from worldspec.lines import LINE_5_VERSIONS
from worldspec.protocol import World
from worldspec.queue import WorkflowInvokePayload

REFUSED_QUEUE_NAMES = (
    "",
    "wkf_workflow_x",
    "__wkf_workflow_",
    "__wkf_step_x",
    "__acme_wkf_step_x",
    "__wkf_step_",
    "__WKF_workflow_x",
    "__1ns_wkf_workflow_x",
)
"""Names outside ``^__(?:[a-z][a-z0-9]*_)?wkf_workflow_.+$``: step queues first of all."""


@invariant("LEG-101")
async def test_world_declares_a_5x_spec_version(world: World) -> None:
    """``world.specVersion`` is present and is the integer 6 or 7. (A World that declares
    another version is judged on this line only under ``--world-spec``; a version of no line
    is refused before any test.)"""
    version = getattr(world, "spec_version", None)
    if type(version) is not int or version not in LINE_5_VERSIONS:
        fail("world.specVersion is present and is 6 or 7", f"is {version!r}")


@invariant("Q-101", requires=Capability.QUEUE_DELIVERY)
async def test_only_workflow_queue_names_are_accepted(world: World) -> None:
    """``queue()`` refuses every name outside ``^__(?:[a-z][a-z0-9]*_)?wkf_workflow_.+$``, the
    step queue names of the 4.x line included, and accepts a plain and a namespaced workflow
    queue name. The refusal's class is open (a contract error or ``ValueError``): §11 asks for
    ``WorkflowWorldError`` only as a SHOULD."""
    message = WorkflowInvokePayload(run_id=make.new_id("wrun"))
    for name in REFUSED_QUEUE_NAMES:
        await rejects(world.queue(name, message), f"queue({name!r})", (errors.WorkflowError, ValueError))
    for name in ("__wkf_workflow_x", "__acme2_wkf_workflow_x"):
        await returns(world.queue(name, message), f"queue({name!r})")
