// HOOK-002, HOOK-003: the hook_conflict event for a token another live hook holds lacks
// conflictingRunId (§4.4: {token, conflictingRunId: <holder's runId>}).
import { uniqueId, verdict } from '../verdict.mjs';
import { finish, newRun, openWorld } from './world.mjs';

const world = await openWorld();
const holder = await newRun(world);
const token = uniqueId('token');
await world.events.create(holder, { eventType: 'hook_created', correlationId: uniqueId('hook'), eventData: { token } });
const other = await newRun(world);
const result = await world.events.create(other, { eventType: 'hook_created', correlationId: uniqueId('hook'), eventData: { token } });
console.log(`second hook_created with the held token returned ${result.event.eventType} ${JSON.stringify(result.event.eventData)}`);
verdict(result.event.eventData?.conflictingRunId !== holder, 'hook_conflict does not name the holder\'s run');
finish();
