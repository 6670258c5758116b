// EVT-104: a hook_conflict sent by a client (only a World may write one) is accepted and appended
// to the run's log at the next slot.
import { describe, outcome, uniqueId, verdict } from '../verdict.mjs';
import { eventTypes, freshWorld, runningRun } from './world.mjs';

const world = await freshWorld();
try {
  const runId = await runningRun(world);
  const conflict = await outcome(
    world.events.create(runId, {
      eventType: 'hook_conflict',
      correlationId: uniqueId('hook'),
      eventData: { token: uniqueId('token'), conflictingRunId: uniqueId('wrun') },
    }),
  );
  console.log(`client-sent hook_conflict on run ${runId}: ${describe(conflict)}`);
  const logged = await eventTypes(world, runId);
  console.log(`events.list: [${logged.join(', ')}]`);
  // Expected: a WorkflowWorldError, and nothing stored.
  verdict(conflict.ok || logged.includes('hook_conflict'), 'a client-sent hook_conflict is accepted and stored');
} finally {
  await world.close();
}
