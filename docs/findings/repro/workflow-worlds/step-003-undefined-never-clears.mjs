// STEP-003, STEP-005 (redis): a field set to undefined is not written to the step's Redis hash,
// so step_started and step_retrying without retryAfter leave the old retryAfter in place.
import { uniqueId, verdict } from '../verdict.mjs';
import { finish, newRun, openWorld, WORLD } from './world.mjs';

if (WORLD !== 'redis') console.log('(this finding is about @workflow-worlds/redis; run with WORLD=redis)');
const world = await openWorld();
const runId = await newRun(world);
const stepId = uniqueId('step');
const step = (eventType, eventData) => world.events.create(runId, { eventType, correlationId: stepId, eventData });
await step('step_created', { stepName: 'repro', input: new Uint8Array([1]) });
await step('step_started');
await step('step_retrying', { error: 'later', retryAfter: new Date(Date.now() - 1000) });
await step('step_started');
const afterStart = (await world.steps.get(runId, stepId)).retryAfter;
console.log(`after step_started: retryAfter = ${afterStart?.toISOString?.() ?? afterStart} (expected cleared)`);
verdict(afterStart !== undefined && afterStart !== null, 'retryAfter survives step_started');
finish();
