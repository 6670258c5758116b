// HOOK-004 / EVT-004: hook_created for a disposed hookId is refused with EntityConflictError,
// but the hook row it inserted first stays, so its new token resolves.
import { describe, outcome, uniqueId, verdict } from '../verdict.mjs';
import { runningRun, storageWorld } from './world.mjs';

const world = storageWorld();
try {
  const runId = await runningRun(world);
  const hookId = uniqueId('hook');
  await world.events.create(runId, { eventType: 'hook_created', correlationId: hookId, eventData: { token: uniqueId('token') } });
  await world.events.create(runId, { eventType: 'hook_disposed', correlationId: hookId });
  const secondToken = uniqueId('token');
  const again = await outcome(
    world.events.create(runId, { eventType: 'hook_created', correlationId: hookId, eventData: { token: secondToken } }),
  );
  console.log(`hook_created again for the disposed hookId: ${describe(again)}`);
  const found = await outcome(world.hooks.getByToken(secondToken));
  console.log(`hooks.getByToken(the refused create's token): ${describe(found)}`);
  // Expected: EntityConflictError, and nothing stored: getByToken throws HookNotFoundError.
  verdict(!again.ok && found.ok, 'a refused hook_created left a live hook holding its token');
} finally {
  await world.close();
}
