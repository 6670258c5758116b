// RUN-012: run_completed on a run that does not exist is accepted and logged.
import { describe, newRunId, outcome, verdict } from '../verdict.mjs';
import { eventTypes, freshWorld } from './world.mjs';

const world = await freshWorld();
try {
  const missingRunId = newRunId();
  const completed = await outcome(
    world.events.create(missingRunId, { eventType: 'run_completed', eventData: { output: new Uint8Array([1]) } })
  );
  console.log(`run_completed on missing run ${missingRunId}: ${describe(completed)}`);
  const log = await eventTypes(world, missingRunId);
  console.log(`events.list: [${log.join(', ')}]`);
  // Expected: WorkflowRunNotFoundError, and nothing stored.
  verdict(completed.ok, 'a terminal event on a missing run is accepted');
} finally {
  await world.close();
}
