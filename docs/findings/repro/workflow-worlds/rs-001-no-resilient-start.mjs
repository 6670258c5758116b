// RS-001, RS-002, RS-003, RS-005, RUN-014: run_started carrying {deploymentId, workflowName,
// input} for a run that does not exist is refused instead of creating the run (§5.1).
import { describe, newRunId, outcome, verdict } from '../verdict.mjs';
import { finish, logOf, openWorld } from './world.mjs';

const world = await openWorld();
const runId = newRunId();
const started = await outcome(world.events.create(runId, {
  eventType: 'run_started',
  eventData: { deploymentId: 'dpl_repro', workflowName: 'repro', input: new Uint8Array([1, 2, 3]) },
}));
console.log(`resilient run_started on missing ${runId}: ${describe(started)}`);
if (started.ok) console.log(`log: [${(await logOf(world, runId)).join(', ')}]`);
// Expected: the run is created and started; its log is [run_created, run_started].
verdict(!started.ok, 'resilient start is refused');
finish();
