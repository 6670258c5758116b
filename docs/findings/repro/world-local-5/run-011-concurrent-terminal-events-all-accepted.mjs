// RUN-011: concurrent terminal events on one run are all accepted, and all are logged.
import { outcome, rounds, verdict } from '../verdict.mjs';
import { eventTypes, freshWorld, runningRun } from './world.mjs';

const world = await freshWorld();
try {
  const shown = await rounds(10, async () => {
    const runId = await runningRun(world);
    const enders = Array.from({ length: 6 }, (_, index) =>
      index % 2
        ? { eventType: 'run_completed', eventData: { output: new Uint8Array([index]) } }
        : { eventType: 'run_failed', eventData: { error: new Uint8Array([index]) } }
    );
    const results = await Promise.all(enders.map((event) => outcome(world.events.create(runId, event))));
    const terminal = (await eventTypes(world, runId)).filter((type) => type === 'run_completed' || type === 'run_failed');
    return results.filter((result) => result.ok).length > 1 || terminal.length > 1;
  });
  // Expected: one terminal event succeeds and is logged; the others raise EntityConflictError.
  verdict(shown > 0, 'more than one terminal event accepted on one run');
} finally {
  await world.close();
}
