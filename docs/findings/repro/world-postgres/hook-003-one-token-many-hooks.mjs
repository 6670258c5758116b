// HOOK-003: four concurrent hook_created with one token, each in its own run, can all succeed:
// several live hooks then hold the same token. The token check is a read before the insert and
// the token column has no unique index. Runs ROUNDS rounds (default 20) and says how often.
import { rounds, uniqueId, verdict } from '../verdict.mjs';
import { runningRun, storageWorld } from './world.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 20);
const WIDTH = 4;
const world = storageWorld();
try {
  const shown = await rounds(ROUNDS, async () => {
    const runIds = await Promise.all(Array.from({ length: WIDTH }, () => runningRun(world)));
    const token = uniqueId('token');
    const results = await Promise.allSettled(
      runIds.map((runId) =>
        world.events.create(runId, { eventType: 'hook_created', correlationId: uniqueId('hook'), eventData: { token } }),
      ),
    );
    const created = results.filter((r) => r.status === 'fulfilled' && r.value.event.eventType === 'hook_created');
    // Expected: exactly one hook_created; the others get hook_conflict events.
    return created.length > 1;
  });
  verdict(shown > 0, 'several live hooks hold one token');
} finally {
  await world.close();
}
