// LIN-003, LIN-005, HOOK-007, STEP-002, STEP-003 (redis): every transition is a read, then a
// separate write, with no lock or condition between them, so concurrent creates that the
// contract lets only one of win (§8) all win. Runs each race ROUNDS times (default 20) and
// says how often it shows.
import { uniqueId, verdict } from '../verdict.mjs';
import { finish, newRun, openWorld, WORLD } from './world.mjs';

if (WORLD !== 'redis') console.log('(starter has no await inside events.create, so these races cannot show there)');
const world = await openWorld();
const ROUNDS = Number(process.env.ROUNDS ?? 20);
const create = (runId, eventType, correlationId, eventData) => world.events.create(runId, { eventType, correlationId, eventData });
const accepted = async (calls) => (await Promise.allSettled(calls)).filter((r) => r.status === 'fulfilled').length;

async function runningStep(runId) {
  const stepId = uniqueId('step');
  await create(runId, 'step_created', stepId, { stepName: 'repro', input: new Uint8Array([1]) });
  await create(runId, 'step_started', stepId);
  return stepId;
}

const races = {
  'step_completed ∥ step_failed on one running step (LIN-003): both accepted': async () => {
    const runId = await newRun(world);
    const stepId = await runningStep(runId);
    return (await accepted([
      create(runId, 'step_completed', stepId, { result: new Uint8Array([1]) }),
      create(runId, 'step_failed', stepId, { error: 'boom' }),
    ])) > 1;
  },
  'run_completed ∥ run_cancelled (LIN-005, RUN-011): both accepted': async () => {
    const runId = await newRun(world);
    return (await accepted([
      create(runId, 'run_completed', undefined, { output: new Uint8Array([1]) }),
      create(runId, 'run_cancelled'),
    ])) > 1;
  },
  '4 × hook_disposed of one hook (HOOK-007): more than one accepted': async () => {
    const runId = await newRun(world);
    const hookId = uniqueId('hook');
    await create(runId, 'hook_created', hookId, { token: uniqueId('token') });
    return (await accepted(Array.from({ length: 4 }, () => create(runId, 'hook_disposed', hookId)))) > 1;
  },
  '4 × step_created of one step (STEP-002): more than one accepted': async () => {
    const runId = await newRun(world);
    const stepId = uniqueId('step');
    const data = { stepName: 'repro', input: new Uint8Array([1]) };
    return (await accepted(Array.from({ length: 4 }, () => create(runId, 'step_created', stepId, data)))) > 1;
  },
  '4 × step_started (STEP-003): attempt lower than the starts accepted': async () => {
    const runId = await newRun(world);
    const stepId = uniqueId('step');
    await create(runId, 'step_created', stepId, { stepName: 'repro', input: new Uint8Array([1]) });
    const starts = await accepted(Array.from({ length: 4 }, () => create(runId, 'step_started', stepId)));
    return (await world.steps.get(runId, stepId)).attempt < starts;
  },
};

let anyShown = false;
for (const [race, round] of Object.entries(races)) {
  let shown = 0;
  for (let i = 0; i < ROUNDS; i += 1) if (await round()) shown += 1;
  console.log(`${race}: ${shown} of ${ROUNDS} rounds`);
  anyShown ||= shown > 0;
}
verdict(anyShown, 'concurrent creates that must have one winner had several');
finish();
