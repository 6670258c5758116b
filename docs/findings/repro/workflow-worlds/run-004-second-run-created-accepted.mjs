// RUN-004, RS-004, LIN-002: a second run_created for an existing runId is accepted, appended,
// and resets the run.
import { describe, newRunId, outcome, verdict } from '../verdict.mjs';
import { finish, logOf, openWorld } from './world.mjs';

const world = await openWorld();
const runId = newRunId();
const created = { eventType: 'run_created', eventData: { deploymentId: 'dpl_repro', workflowName: 'repro', input: new Uint8Array([1]) } };
await world.events.create(runId, created);
await world.events.create(runId, { eventType: 'run_started' });
const again = await outcome(world.events.create(runId, created));
console.log(`second run_created: ${describe(again)}`);
console.log(`log: [${(await logOf(world, runId)).join(', ')}]; status now ${(await world.runs.get(runId)).status}`);
// Expected: EntityConflictError; one run_created in the log; the run still running.
verdict(again.ok, 'the second run_created is accepted');
finish();
