// RUN-001: run_created with runId '' must get a minted wrun_<ULID>. starter keeps '' as the
// runId; redis throws a TypeError.
import { describe, outcome, verdict } from '../verdict.mjs';
import { finish, openWorld } from './world.mjs';

const world = await openWorld();
const created = await outcome(world.events.create('', {
  eventType: 'run_created',
  eventData: { deploymentId: 'dpl_repro', workflowName: 'repro', input: new Uint8Array([1]) },
}));
console.log(`run_created with runId '': ${created.ok ? `runId ${JSON.stringify(created.value.run.runId)}` : describe(created)}`);
verdict(!created.ok || !/^wrun_[0-9A-HJKMNP-TV-Z]{26}$/.test(created.value.run.runId), 'no runId is minted for an empty runId');
finish();
