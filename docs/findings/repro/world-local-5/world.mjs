// Builds @workflow/world-local@5.0.0-beta.46 as an application does, on a fresh data directory.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createWorld } from '@workflow/world-local';

/** A started World on a data directory of its own. Close it when done. */
export async function freshWorld() {
  const world = createWorld({ dataDir: mkdtempSync(path.join(tmpdir(), 'world-local-5-repro-')) });
  await world.start();
  return world;
}

/** A new run of `world`, started (running). */
export async function runningRun(world) {
  const created = await world.events.create(null, {
    eventType: 'run_created',
    eventData: { deploymentId: 'dpl_repro', workflowName: 'repro', input: new Uint8Array([1, 2, 3]) },
  });
  await world.events.create(created.run.runId, { eventType: 'run_started' });
  return created.run.runId;
}

/** The event types of the run's log, in slot order. */
export async function eventTypes(world, runId) {
  const page = await world.events.list({ runId, pagination: { sortOrder: 'asc' } });
  return page.data.map((event) => event.eventType);
}
