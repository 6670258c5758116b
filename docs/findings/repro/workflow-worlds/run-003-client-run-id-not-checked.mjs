// RUN-003: a client runId that is not a ULID, or is dated days ago, must be refused with
// WorkflowWorldError (§2.5); both are accepted.
import { describe, outcome, verdict } from '../verdict.mjs';
import { finish, openWorld } from './world.mjs';

const world = await openWorld();
const data = { deploymentId: 'dpl_repro', workflowName: 'repro', input: new Uint8Array([1]) };
const accepted = [];
for (const runId of ['wrun_not-a-ulid', 'wrun_01ARZ3NDEKTSV4RRFFQ69G5FAV' /* dated 2016 */]) {
  const result = await outcome(world.events.create(runId, { eventType: 'run_created', eventData: data }));
  console.log(`run_created with runId ${runId}: ${describe(result)}`);
  if (result.ok) accepted.push(runId);
}
verdict(accepted.length > 0, `runIds ${accepted.join(', ')} are accepted`);
finish();
