// WAIT-001..005, TERM-002, TERM-003: waits are not entities. wait_created returns no wait,
// a duplicate wait_created and a wait_completed of an unknown wait are accepted, and waits
// of an ended run can still be created and completed.
import { describe, outcome, uniqueId, verdict } from '../verdict.mjs';
import { finish, newRun, openWorld } from './world.mjs';

const world = await openWorld();
const runId = await newRun(world);
const waitId = uniqueId('wait');
const wait = (eventType, id = waitId, target = runId) =>
  outcome(world.events.create(target, { eventType, correlationId: id, eventData: eventType === 'wait_created' ? { resumeAt: new Date(Date.now() + 60_000) } : undefined }));
const created = await wait('wait_created');
console.log(`wait_created: result.wait = ${JSON.stringify(created.value?.wait)}`);
const duplicate = await wait('wait_created');
console.log(`wait_created again: ${describe(duplicate)} (expected EntityConflictError)`);
const unknown = await wait('wait_completed', uniqueId('wait'));
console.log(`wait_completed of an unknown wait: ${describe(unknown)} (expected WorkflowWorldError)`);
const ended = await newRun(world);
await world.events.create(ended, { eventType: 'run_completed', eventData: { output: new Uint8Array([1]) } });
const late = await wait('wait_created', uniqueId('wait'), ended);
console.log(`wait_created on a completed run: ${describe(late)} (expected EntityConflictError)`);
verdict(created.ok && created.value.wait === undefined, 'wait_created creates no wait entity');
finish();
