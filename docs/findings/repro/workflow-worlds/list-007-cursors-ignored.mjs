// LIST-002, LIST-007 (redis): steps.list and events.listByCorrelationId ignore the cursor, so
// the second page repeats the first and paging never ends.
import { uniqueId, verdict } from '../verdict.mjs';
import { finish, newRun, openWorld, WORLD } from './world.mjs';

if (WORLD !== 'redis') console.log('(this finding is about @workflow-worlds/redis; run with WORLD=redis)');
const world = await openWorld();
const runId = await newRun(world);
for (let i = 0; i < 3; i += 1) {
  await world.events.create(runId, { eventType: 'step_created', correlationId: uniqueId('step'), eventData: { stepName: 'repro', input: new Uint8Array([1]) } });
}
const first = await world.steps.list({ runId, pagination: { limit: 2 } });
const second = await world.steps.list({ runId, pagination: { limit: 2, cursor: first.cursor } });
const ids = (page) => page.data.map((step) => step.stepId).join(' ');
console.log(`steps.list by 2: page 1 [${ids(first)}] cursor ${first.cursor}; page 2 [${ids(second)}]`);
verdict(ids(first) === ids(second), 'the cursor is ignored');
finish();
