// SLOT-011: a client's `noop` (an event only a sealed log writes, absent from CreateEventSchema)
// is accepted and stored at the next slot, where events.list shows it.
import { describe, outcome, verdict } from '../verdict.mjs';
import { eventTypes, freshWorld, runningRun } from './world.mjs';

const world = await freshWorld();
try {
  const runId = await runningRun(world);
  const noop = await outcome(world.events.create(runId, { eventType: 'noop', eventData: { sealed: true } }));
  console.log(`noop from a client on run ${runId}: ${describe(noop)}`);
  console.log(`events.list: [${(await eventTypes(world, runId)).join(', ')}]`);
  // Expected: a WorkflowWorldError (status 400), nothing stored, no slot taken.
  verdict(noop.ok, "a client's noop is accepted and stored at a slot of its own");
} finally {
  await world.close();
}
