// EVT-004, HOOK-004: a hook_created refused because its hookId exists (new token) is still
// logged, and its token then resolves.
import { describe, outcome, uniqueId, verdict } from '../verdict.mjs';
import { eventTypes, freshWorld, runningRun } from './world.mjs';

const world = await freshWorld();
try {
  const runId = await runningRun(world);
  const hookId = uniqueId('hook');
  const [firstToken, secondToken] = [uniqueId('tok'), uniqueId('tok')];
  await world.events.create(runId, { eventType: 'hook_created', correlationId: hookId, eventData: { token: firstToken } });
  const before = await eventTypes(world, runId);
  const again = await outcome(
    world.events.create(runId, { eventType: 'hook_created', correlationId: hookId, eventData: { token: secondToken } })
  );
  console.log(`second hook_created for ${hookId} with a new token: ${describe(again)}`);
  const after = await eventTypes(world, runId);
  const byToken = await outcome(world.hooks.getByToken(secondToken));
  console.log(`log before: [${before.join(', ')}]`);
  console.log(`log after:  [${after.join(', ')}]`);
  console.log(`hooks.getByToken(second token): ${describe(byToken)}`);
  // Expected: a refused create (EntityConflictError) leaves the log as it was, and the token it
  // sent resolves to no hook.
  verdict(!again.ok && (after.length > before.length || byToken.ok), 'a refused hook_created is logged or claims its token');
} finally {
  await world.close();
}
