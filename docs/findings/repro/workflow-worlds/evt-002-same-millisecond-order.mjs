// EVT-002, LIST-001, LIN-004 (redis): events are scored by the millisecond of their eventId, so
// events appended within one millisecond are listed in the byte order of their stored
// encoding, not in append order, and paging with a cursor skips the rest of that millisecond.
// Appends bursts of step events and reports how often either shows. ROUNDS (default 20).
import { rounds, uniqueId, verdict } from '../verdict.mjs';
import { finish, newRun, openWorld, WORLD } from './world.mjs';

if (WORLD !== 'redis') console.log('(this finding is about @workflow-worlds/redis; run with WORLD=redis)');
const world = await openWorld();
const ROUNDS = Number(process.env.ROUNDS ?? 20);
let misordered = 0;
let skipped = 0;
const shown = await rounds(ROUNDS, async () => {
  const runId = await newRun(world);
  const appended = [];
  const stepIds = Array.from({ length: 10 }, () => uniqueId('step'));
  const results = await Promise.all(stepIds.map((stepId) =>
    world.events.create(runId, { eventType: 'step_created', correlationId: stepId, eventData: { stepName: 'repro', input: new Uint8Array([1]) } })));
  appended.push(...results.map((r) => r.event.eventId));
  const listed = (await world.events.list({ runId, pagination: { limit: 1000 } })).data.map((e) => e.eventId);
  const inOrder = JSON.stringify(listed) === JSON.stringify([...listed].sort());
  const paged = [];
  let cursor;
  do {
    const page = await world.events.list({ runId, pagination: { limit: 1, cursor } });
    paged.push(...page.data.map((e) => e.eventId));
    cursor = page.hasMore ? page.cursor : undefined;
  } while (cursor);
  if (!inOrder) misordered += 1;
  if (paged.length !== listed.length) skipped += 1;
  return !inOrder || paged.length !== listed.length;
});
console.log(`listed out of eventId order in ${misordered} rounds; paging by 1 skipped events in ${skipped} rounds`);
verdict(shown > 0, 'events of one millisecond are misordered or skipped');
finish();
