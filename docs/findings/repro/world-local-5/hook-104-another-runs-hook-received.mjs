// HOOK-104: hook_received and hook_disposed sent to one run, naming another run's live hook, are
// accepted: the hook is read by its hookId alone, never matched against the run written to.
import { describe, outcome, verdict } from '../verdict.mjs';
import { eventTypes, freshWorld, runningRun } from './world.mjs';

const world = await freshWorld();
try {
  const owner = await runningRun(world);
  const other = await runningRun(world);
  const hookId = `hook_${Date.now()}`;
  await world.events.create(owner, {
    eventType: 'hook_created',
    correlationId: hookId,
    eventData: { token: `token-${hookId}` },
  });
  const received = await outcome(
    world.events.create(other, {
      eventType: 'hook_received',
      correlationId: hookId,
      eventData: { payload: new Uint8Array([1]) },
    })
  );
  console.log(`hook_received on run ${other} naming run ${owner}'s hook: ${describe(received)}`);
  const disposed = await outcome(world.events.create(other, { eventType: 'hook_disposed', correlationId: hookId }));
  console.log(`hook_disposed on run ${other} naming run ${owner}'s hook: ${describe(disposed)}`);
  console.log(`events.list of the other run: [${(await eventTypes(world, other)).join(', ')}]`);
  const hook = await outcome(world.hooks.get(hookId));
  console.log(`hooks.get of the owner's hook afterwards: ${describe(hook)}`);
  // Expected: HookNotFoundError for both, nothing stored, the hook unchanged.
  verdict(received.ok || disposed.ok, "another run's hook is received or disposed on this run");
} finally {
  await world.close();
}
