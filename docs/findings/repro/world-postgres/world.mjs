// Builds @workflow/world-postgres@4.3.7 the way an application does, against the database at
// $WORKFLOW_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test), which must hold the
// package's schema: WORKFLOW_POSTGRES_URL=... node node_modules/@workflow/world-postgres/bin/setup.js
import { createWorld } from '@workflow/world-postgres';

export const DATABASE_URL = process.env.WORKFLOW_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The World, without start(): storage calls need no queue worker. Close it when done. */
export function storageWorld() {
  return createWorld({ connectionString: DATABASE_URL });
}

/** A new run of `world`, started (running), at the current spec version. */
export async function runningRun(world) {
  const created = await world.events.create(null, {
    eventType: 'run_created',
    eventData: { deploymentId: 'dpl_repro', workflowName: 'repro', input: new Uint8Array([1, 2, 3]) },
  });
  await world.events.create(created.run.runId, { eventType: 'run_started' });
  return created.run.runId;
}

/**
 * The World with its queue running, as an application hosts it: an HTTP server on 127.0.0.1
 * plays the application's workflow routes, and each message reaches the handler registered
 * with createQueueHandler for the longest prefix of its queue name. Every delivery is kept in
 * `deliveries` as {prefix, message, meta}; `answer(message, meta)` decides the handler's return
 * value (undefined, or {timeoutSeconds}). Messages of other runs (start() re-enqueues every
 * active run in the database) are acknowledged and ignored. Call close() when done.
 */
export async function queueWorld(prefixes, answer = () => undefined) {
  const http = await import('node:http');
  const { Readable } = await import('node:stream');
  const handlers = new Map();
  const deliveries = [];
  const server = http.createServer(async (req, res) => {
    const queueName = String(req.headers['x-vqs-queue-name'] ?? '');
    const prefix = [...handlers.keys()].filter((p) => queueName.startsWith(p)).sort((a, b) => b.length - a.length)[0];
    if (prefix === undefined) {
      res.writeHead(200).end('{}');
      return;
    }
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method,
      headers: Object.entries(req.headers).map(([key, value]) => [key, String(value)]),
      body: Readable.toWeb(req),
      duplex: 'half',
    });
    const response = await handlers.get(prefix)(request);
    res.writeHead(response.status, Object.fromEntries(response.headers)).end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env.WORKFLOW_LOCAL_BASE_URL = `http://127.0.0.1:${server.address().port}`;
  const world = createWorld({ connectionString: DATABASE_URL });
  for (const prefix of prefixes) {
    handlers.set(prefix, world.createQueueHandler(prefix, async (message, meta) => {
      deliveries.push({ prefix, message, meta });
      return answer(message, meta);
    }));
  }
  await world.start();
  return {
    world,
    deliveries,
    async close() {
      await world.close();
      server.close();
    },
  };
}

/** Waits up to `seconds` for `condition()` to hold; returns whether it did. */
export async function eventually(condition, seconds) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}
