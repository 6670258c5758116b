// RUN-005, RS-003: a run created without specVersion must be at version 3 (§4.1 step 4); the
// World has no specVersion member and creates version-2 runs.
import { verdict } from '../verdict.mjs';
import { finish, openWorld } from './world.mjs';

const world = await openWorld();
const created = await world.events.create(null, {
  eventType: 'run_created',
  eventData: { deploymentId: 'dpl_repro', workflowName: 'repro', input: new Uint8Array([1]) },
});
console.log(`world.specVersion = ${world.specVersion}; new run's specVersion = ${created.run.specVersion}`);
verdict(created.run.specVersion !== 3, 'runs default to a spec version other than 3');
finish();
