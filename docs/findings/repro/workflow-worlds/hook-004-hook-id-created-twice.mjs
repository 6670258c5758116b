// HOOK-004: hook_created for a hookId that already exists in the run must raise
// EntityConflictError; a second hook_created with a new token is accepted and the hook is
// replaced.
import { describe, outcome, uniqueId, verdict } from '../verdict.mjs';
import { finish, logOf, newRun, openWorld } from './world.mjs';

const world = await openWorld();
const runId = await newRun(world);
const hookId = uniqueId('hook');
await world.events.create(runId, { eventType: 'hook_created', correlationId: hookId, eventData: { token: uniqueId('token') } });
const again = await outcome(world.events.create(runId, { eventType: 'hook_created', correlationId: hookId, eventData: { token: uniqueId('token') } }));
console.log(`hook_created again for ${hookId}: ${describe(again)}`);
console.log(`log: [${(await logOf(world, runId)).join(', ')}]`);
verdict(again.ok, 'a second hook_created for one hookId is accepted');
finish();
