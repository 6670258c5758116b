// HOOK-006: hook_received and hook_disposed find their hook by hookId alone, so run B receives on
// and disposes of run A's hook; the disposal deletes it, and run A can no longer receive on it.
import { describe, outcome, uniqueId, verdict } from '../verdict.mjs';
import { runningRun, storageWorld } from './world.mjs';

const world = storageWorld();
try {
  const owner = await runningRun(world);
  const other = await runningRun(world);
  const hookId = uniqueId('hook');
  const token = uniqueId('token');
  await world.events.create(owner, { eventType: 'hook_created', correlationId: hookId, eventData: { token } });
  const received = await outcome(
    world.events.create(other, { eventType: 'hook_received', correlationId: hookId, eventData: { payload: 'x' } }),
  );
  console.log(`hook_received on run B naming run A's hook: ${describe(received)}`);
  const disposed = await outcome(world.events.create(other, { eventType: 'hook_disposed', correlationId: hookId }));
  console.log(`hook_disposed on run B naming run A's hook: ${describe(disposed)}`);
  const found = await outcome(world.hooks.getByToken(token));
  console.log(`hooks.getByToken(run A's token) afterwards: ${describe(found)}`);
  // Expected: both refused with HookNotFoundError, and run A's hook still live.
  verdict(received.ok || disposed.ok || !found.ok, "run B reached run A's hook");
} finally {
  await world.close();
}
