// ERR-001 and the refusals of RUN-008, RUN-011, RUN-012, RUN-013, STEP-002, STEP-004, STEP-008,
// STEP-009, STEP-010, TERM-001, HOOK-006, HOOK-009: every refusal is a WorkflowAPIError with an
// HTTP status, where the contract (§3) names the error the runtime matches by name.
import { outcome, uniqueId, verdict } from '../verdict.mjs';
import { finish, newRun, openWorld } from './world.mjs';

const world = await openWorld();
const step = (runId, stepId, eventType, eventData) => world.events.create(runId, { eventType, correlationId: stepId, eventData });
const created = { stepName: 'repro', input: new Uint8Array([1]) };

const cases = [];
async function refusal(what, expected, call) {
  const result = await outcome(call());
  cases.push({ what, expected, got: result.ok ? 'returned' : result.name });
}

const ended = await newRun(world);
await world.events.create(ended, { eventType: 'run_completed', eventData: { output: new Uint8Array([1]) } });
await refusal('run_started on a completed run', 'RunExpiredError', () => world.events.create(ended, { eventType: 'run_started' }));
await refusal('run_completed on a completed run', 'EntityConflictError', () =>
  world.events.create(ended, { eventType: 'run_completed', eventData: { output: new Uint8Array([1]) } }));
await refusal('step_created on a completed run', 'EntityConflictError', () => step(ended, uniqueId('step'), 'step_created', created));
await refusal('run_completed on a missing run', 'WorkflowRunNotFoundError', () =>
  world.events.create(`wrun_${'0'.repeat(26)}`, { eventType: 'run_completed', eventData: { output: new Uint8Array([1]) } }));
await refusal('runs.get of a missing run', 'WorkflowRunNotFoundError', () => world.runs.get(`wrun_${'0'.repeat(26)}`));

const runId = await newRun(world);
const stepId = uniqueId('step');
await step(runId, stepId, 'step_created', created);
await refusal('step_created again', 'EntityConflictError', () => step(runId, stepId, 'step_created', created));
await step(runId, stepId, 'step_started');
await step(runId, stepId, 'step_retrying', { error: 'later', retryAfter: new Date(Date.now() + 60_000) });
await refusal('step_started before retryAfter', 'TooEarlyError', () => step(runId, stepId, 'step_started'));
await refusal('step_started of an unknown step', 'WorkflowWorldError', () => step(runId, uniqueId('step'), 'step_started'));
const done = uniqueId('step');
await step(runId, done, 'step_created', created);
await step(runId, done, 'step_started');
await step(runId, done, 'step_completed', { result: new Uint8Array([1]) });
await refusal('step_started of a completed step', 'EntityConflictError', () => step(runId, done, 'step_started'));
await refusal('hook_received of an unknown hook', 'HookNotFoundError', () =>
  world.events.create(runId, { eventType: 'hook_received', correlationId: uniqueId('hook'), eventData: { payload: new Uint8Array([1]) } }));
await refusal('hooks.get of an unknown hook', 'HookNotFoundError', () => world.hooks.get(uniqueId('hook')));

for (const { what, expected, got } of cases) console.log(`${what}: expected ${expected}, got ${got}`);
const wrong = cases.filter((c) => c.got !== c.expected);
verdict(wrong.length > 0, `${wrong.length} of ${cases.length} refusals carry another name than the contract's`);
finish();
