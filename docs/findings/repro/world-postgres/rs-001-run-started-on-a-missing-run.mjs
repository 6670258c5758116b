// RS-001: run_started without creation data on a run that does not exist is accepted, and an
// orphan run_started is stored under the missing run.
import { describe, newRunId, outcome, verdict } from '../verdict.mjs';
import { storageWorld } from './world.mjs';

const world = storageWorld();
try {
  const missingRunId = newRunId();
  const started = await outcome(world.events.create(missingRunId, { eventType: 'run_started' }));
  console.log(`run_started on missing run ${missingRunId}: ${describe(started)}`);
  const run = await outcome(world.runs.get(missingRunId));
  const log = await world.events.list({ runId: missingRunId });
  console.log(`runs.get: ${describe(run)}; events.list: [${log.data.map((e) => e.eventType).join(', ')}]`);
  // Expected: WorkflowRunNotFoundError (or WorkflowWorldError) and an empty log.
  verdict(started.ok && log.data.length > 0, 'run_started on a missing run is stored');
} finally {
  await world.close();
}
