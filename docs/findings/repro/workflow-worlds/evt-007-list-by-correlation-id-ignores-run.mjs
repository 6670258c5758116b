// EVT-007: listByCorrelationId({correlationId, runId}) returns the events of every run with
// that correlationId: runId is ignored.
import { uniqueId, verdict } from '../verdict.mjs';
import { finish, newRun, openWorld } from './world.mjs';

const world = await openWorld();
const waitId = uniqueId('wait');
const runs = [await newRun(world), await newRun(world)];
for (const runId of runs) {
  await world.events.create(runId, { eventType: 'wait_created', correlationId: waitId, eventData: { resumeAt: new Date(Date.now() + 60_000) } });
}
const listed = await world.events.listByCorrelationId({ correlationId: waitId, runId: runs[0] });
const runIds = listed.data.map((event) => event.runId);
console.log(`listByCorrelationId(${waitId}, runId=${runs[0]}) returned events of runs ${[...new Set(runIds)].join(', ')}`);
verdict(runIds.some((runId) => runId !== runs[0]), 'events of other runs are listed');
finish();
