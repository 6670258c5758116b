// SLOT-010: a run created at specVersion 1 by this v7 World gets slot 1 for its run_created,
// but the hook_received and wait_completed a legacy run accepts are named by ULIDs.
import { describe, outcome, uniqueId, verdict } from '../verdict.mjs';
import { freshWorld } from './world.mjs';

const SLOT_ID = /^evnt_0{10}[0-9]{16}$/;

const world = await freshWorld();
try {
  const created = await world.events.create(null, {
    eventType: 'run_created',
    specVersion: 1,
    eventData: { deploymentId: 'dpl_repro', workflowName: 'repro', input: [1, 2, 3] },
  });
  const runId = created.run.runId;
  const received = await outcome(
    world.events.create(runId, { eventType: 'hook_received', correlationId: uniqueId('hook'), eventData: { payload: [4] } }),
  );
  const completed = await outcome(world.events.create(runId, { eventType: 'wait_completed', correlationId: uniqueId('wait') }));
  console.log(`hook_received: ${describe(received)}; wait_completed: ${describe(completed)}`);
  const page = await world.events.list({ runId, pagination: { sortOrder: 'asc' } });
  const ids = page.data.map((event) => `${event.eventType} ${event.eventId}`);
  console.log(`events.list:\n  ${ids.join('\n  ')}`);
  const schemes = new Set(page.data.map((event) => (SLOT_ID.test(event.eventId) ? 'slot' : 'ULID')));
  // Expected: one scheme for the whole run (slots, since its run_created has slot 1).
  verdict(schemes.size > 1, 'a spec-1 run mixes slot and ULID event ids');
} finally {
  await world.close();
}
