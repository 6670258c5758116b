// a second queue() with the idempotency key of a message not yet delivered replaces that
// message: the handler gets the second payload, and the first is never delivered. Graphile
// Worker's job_key replaces the payload of a job that no worker has taken yet; the race is
// whether a worker took the first job before the second call. ROUNDS (default 20).
import { rounds, uniqueId, verdict } from '../verdict.mjs';
import { eventually, queueWorld } from './world.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 20);
const { world, deliveries, close } = await queueWorld(['__wkf_workflow_']);
try {
  const shown = await rounds(ROUNDS, async () => {
    const key = uniqueId('step');
    const first = { runId: uniqueId('wrun_first') };
    const second = { runId: uniqueId('wrun_second') };
    await world.queue('__wkf_workflow_repro', first, { idempotencyKey: key });
    await world.queue('__wkf_workflow_repro', second, { idempotencyKey: key });
    const mine = () => deliveries.filter((d) => d.message.runId === first.runId || d.message.runId === second.runId);
    await eventually(() => mine().length > 0, 10);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Expected: only `first` is delivered; the second call adds nothing.
    return mine().some((d) => d.message.runId === second.runId);
  });
  verdict(shown > 0, 'the second message with the key replaced the first');
} finally {
  await close();
}
