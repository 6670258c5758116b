// STEP-005: step_retrying without retryAfter leaves the step's earlier retryAfter in place
// instead of clearing it.
import { uniqueId, verdict } from '../verdict.mjs';
import { runningRun, storageWorld } from './world.mjs';

const world = storageWorld();
try {
  const runId = await runningRun(world);
  const stepId = uniqueId('step');
  const step = (eventType, eventData) => world.events.create(runId, { eventType, correlationId: stepId, eventData });
  await step('step_created', { stepName: 'repro', input: new Uint8Array([1]) });
  await step('step_started');
  await step('step_retrying', { error: 'rate limited', retryAfter: new Date(Date.now() + 3_600_000) });
  const result = await step('step_retrying', { error: 'again' });
  const stored = await world.steps.get(runId, stepId);
  console.log(`after step_retrying without retryAfter: result.step.retryAfter = ${result.step?.retryAfter?.toISOString?.()}, steps.get retryAfter = ${stored.retryAfter?.toISOString?.()}`);
  // Expected: retryAfter absent (cleared), so the step may start again at once.
  verdict(stored.retryAfter !== undefined && stored.retryAfter !== null, 'retryAfter was kept');
} finally {
  await world.close();
}
