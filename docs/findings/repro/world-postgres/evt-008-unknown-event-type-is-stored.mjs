// EVT-008 / EVT-004: an unknown eventType is written to the log before it is refused, and from
// then on events.list of that run throws.
import { describe, outcome, uniqueId, verdict } from '../verdict.mjs';
import { runningRun, storageWorld } from './world.mjs';

const world = storageWorld();
try {
  const runId = await runningRun(world);
  const stepId = uniqueId('step');
  await world.events.create(runId, {
    eventType: 'step_created',
    correlationId: stepId,
    eventData: { stepName: 'repro', input: new Uint8Array([1]) },
  });
  const refused = await outcome(world.events.create(runId, { eventType: 'step_exploded', correlationId: stepId }));
  console.log(`events.create(step_exploded): ${describe(refused)}`);
  const listed = await outcome(world.events.list({ runId, pagination: { sortOrder: 'asc' } }));
  console.log(`events.list afterwards: ${describe(listed)}`);
  // Expected: the create refused and the log unchanged, so the list still works.
  verdict(!refused.ok && !listed.ok, 'the refused event was stored and the run\'s log no longer lists');
} finally {
  await world.close();
}
