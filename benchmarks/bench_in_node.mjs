// World calls made inside Node: the peer bench_bridge.py measures the bridge against.
//
// Usage: node bench_in_node.mjs ENTRY   (ENTRY: the install's entry.mjs, see install.py)
// Builds @workflow/world-local in a fresh directory with the same data bench_bridge.py builds
// through the bridge, prints {"ready": true}, then answers each line "OPERATION CALLS" on stdin
// with one JSON line {"operation", "calls", "seconds"}: CALLS sequential calls, one in flight
// at a time, after a few untimed ones (the queue's deliveries are awaited, untimed, after). The operations and their arguments mirror OPERATIONS in
// bench_bridge.py, which is the place to change both.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const WARM_UP = 5;
const STEPS = 20;
const CHUNKS = 20;
const PAGE = { limit: 20 };

const [entry] = process.argv.slice(2);
const { createLocalWorld } = await (await import(pathToFileURL(entry).href)).load();
const dataDir = mkdtempSync(join(tmpdir(), 'worldspec-bench-node-'));
const world = createLocalWorld({ dataDir });
await world.start?.();

const payload = new Uint8Array(64);
const created = await world.events.create(null, {
  eventType: 'run_created',
  eventData: { deploymentId: 'dpl_bench', workflowName: 'bench', input: payload },
});
const runId = created.run.runId;
await world.events.create(runId, { eventType: 'run_started' });
const writes = (await world.events.create(null, {
  eventType: 'run_created',
  eventData: { deploymentId: 'dpl_bench', workflowName: 'bench-writes', input: payload },
})).run.runId;
await world.events.create(writes, { eventType: 'run_started' });
for (let index = 0; index < STEPS; index++) {
  await world.events.create(runId, {
    eventType: 'step_created',
    correlationId: `step_bench_${index}`,
    eventData: { stepName: 'bench', input: payload },
  });
}
await world.events.create(runId, {
  eventType: 'hook_created',
  correlationId: 'hook_bench',
  eventData: { token: 'token_bench', metadata: payload },
});
const eventId = (await world.events.list({ runId, pagination: { limit: 1 } })).data[0].eventId;
for (let index = 0; index < CHUNKS; index++) await world.writeToStream('bench-read', runId, payload);
await world.closeStream('bench-read', runId);
let queued = 0;
let delivered = 0;
const queueHandler = world.createQueueHandler('__wkf_step_', async () => {
  delivered += 1;
});
world.registerHandler('__wkf_step_', queueHandler);
const stepMessage = { workflowName: 'wf', workflowRunId: 'wrun_x', workflowStartedAt: 0, stepId: 'step_bench' };

let sequence = 0;
const OPERATIONS = {
  'runs.get': () => world.runs.get(runId, { resolveData: 'all' }),
  'runs.list': () => world.runs.list({ workflowName: 'bench', pagination: PAGE, resolveData: 'all' }),
  'events.create': () =>
    world.events.create(writes, {
      eventType: 'step_created',
      correlationId: `step_write_${sequence++}`,
      eventData: { stepName: 'bench', input: payload },
    }),
  'events.get': () => world.events.get(runId, eventId, { resolveData: 'all' }),
  'events.list': () => world.events.list({ runId, pagination: PAGE, resolveData: 'all' }),
  'events.listByCorrelationId': () =>
    world.events.listByCorrelationId({ correlationId: 'step_bench_0', runId, pagination: PAGE, resolveData: 'all' }),
  'steps.get': () => world.steps.get(runId, 'step_bench_0', { resolveData: 'all' }),
  'steps.list': () => world.steps.list({ runId, pagination: PAGE, resolveData: 'all' }),
  'hooks.get': () => world.hooks.get('hook_bench', { resolveData: 'all' }),
  'hooks.getByToken': () => world.hooks.getByToken('token_bench', { resolveData: 'all' }),
  'hooks.list': () => world.hooks.list({ runId, pagination: PAGE, resolveData: 'all' }),
  getDeploymentId: () => world.getDeploymentId(),
  queue: () => {
    queued += 1;
    return world.queue('__wkf_step_bench', stepMessage);
  },
  writeToStream: () => world.writeToStream('bench-write', runId, payload),
  closeStream: () => world.closeStream(`bench-close-${sequence++}`, runId),
  listStreamsByRunId: () => world.listStreamsByRunId(runId),
  getStreamChunks: () => world.getStreamChunks('bench-read', runId, PAGE),
  getStreamInfo: () => world.getStreamInfo('bench-read', runId),
  readFromStream: async () => {
    const reader = (await world.readFromStream('bench-read', 0)).getReader();
    while (!(await reader.read()).done);
  },
};

async function measure(operation, calls) {
  const call = OPERATIONS[operation];
  if (call === undefined) throw new Error(`unknown operation ${operation}`);
  for (let index = 0; index < WARM_UP; index++) await call();
  const started = performance.now();
  for (let index = 0; index < calls; index++) await call();
  const seconds = (performance.now() - started) / 1000;
  // Deliveries outlive the queue() calls; let them finish before the next measurement.
  while (delivered < queued) await new Promise((resolve) => setTimeout(resolve, 5));
  return seconds;
}

process.stdout.write(`${JSON.stringify({ ready: true, operations: Object.keys(OPERATIONS) })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const [operation, calls] = line.trim().split(/\s+/);
  const seconds = await measure(operation, Number(calls));
  process.stdout.write(`${JSON.stringify({ operation, calls: Number(calls), seconds })}\n`);
}
await world.close?.();
rmSync(dataDir, { recursive: true, force: true });
