// World calls per second made inside Node, the baseline for bench_bridge.py.
// Usage: node bench_in_node.mjs ENTRY CALLS   (ENTRY: the install's entry.mjs, see install.py)
// Prints one JSON object: {operation: calls per second}.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [entry, callsText] = process.argv.slice(2);
const calls = Number(callsText);
const { createLocalWorld } = await (await import(pathToFileURL(entry).href)).load();
const dataDir = mkdtempSync(join(tmpdir(), 'worldspec-bench-'));
const world = createLocalWorld({ dataDir });
await world.start();

const input = new Uint8Array(64);
const created = await world.events.create(null, {
  eventType: 'run_created',
  specVersion: 3,
  eventData: { deploymentId: 'dpl_bench', workflowName: 'bench', input },
});
const runId = created.run.runId;
await world.events.create(runId, { eventType: 'run_started', specVersion: 3 });

async function rate(operation) {
  const started = performance.now();
  for (let index = 0; index < calls; index++) await operation(index);
  return calls / ((performance.now() - started) / 1000);
}

const rates = {
  'runs.get': await rate(() => world.runs.get(runId)),
  'events.create step_created': await rate((index) =>
    world.events.create(runId, {
      eventType: 'step_created',
      specVersion: 3,
      correlationId: `step_node_${index}`,
      eventData: { stepName: 'bench', input },
    })
  ),
  'events.list 20': await rate(() => world.events.list({ runId, pagination: { limit: 20 } })),
};
await world.close();
rmSync(dataDir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify(rates)}\n`);
