// RUN-007: run_started on a running run appends another run_started; §4.2 says it returns the
// run and appends nothing.
import { verdict } from '../verdict.mjs';
import { finish, logOf, newRun, openWorld } from './world.mjs';

const world = await openWorld();
const runId = await newRun(world);
await world.events.create(runId, { eventType: 'run_started' });
const log = await logOf(world, runId);
console.log(`log after run_started twice: [${log.join(', ')}]`);
verdict(log.filter((type) => type === 'run_started').length > 1, 'the second run_started is appended');
finish();
