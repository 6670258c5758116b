// EVT-008: an event of a type no client may send (step_exploded) is accepted; its file is written
// to the run's log, where events.list skips it and events.get throws.
import { describe, outcome, verdict } from '../verdict.mjs';
import { eventTypes, freshWorld, runningRun } from './world.mjs';

const world = await freshWorld();
try {
  const runId = await runningRun(world);
  const exploded = await outcome(world.events.create(runId, { eventType: 'step_exploded', correlationId: 'step_x' }));
  console.log(`step_exploded on run ${runId}: ${describe(exploded)}`);
  console.log(`events.list: [${(await eventTypes(world, runId)).join(', ')}]`);
  if (exploded.ok) {
    const eventId = exploded.value.event.eventId;
    console.log(`events.get(${eventId}): ${describe(await outcome(world.events.get(runId, eventId)))}`);
  }
  // Expected: a WorkflowWorldError (status 400), and nothing stored.
  verdict(exploded.ok, 'an event of unknown type is accepted and stored');
} finally {
  await world.close();
}
