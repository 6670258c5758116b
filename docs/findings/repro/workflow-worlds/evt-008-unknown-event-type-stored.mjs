// EVT-008 (starter): an unknown eventType is stored as if it were an event.
import { describe, outcome, uniqueId, verdict } from '../verdict.mjs';
import { finish, logOf, newRun, openWorld } from './world.mjs';

const world = await openWorld();
const runId = await newRun(world);
const created = await outcome(world.events.create(runId, { eventType: 'run_paused' }));
console.log(`events.create(run_paused): ${describe(created)}; log: [${(await logOf(world, runId)).join(', ')}]`);
verdict((await logOf(world, runId)).includes('run_paused'), 'an unknown eventType is stored');
finish();
