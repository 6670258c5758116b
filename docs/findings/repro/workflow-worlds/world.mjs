// Builds the World a reproduction runs against, chosen by $WORLD:
//   starter (default)  @workflow-worlds/starter@0.2.1, in memory
//   redis              @workflow-worlds/redis@0.2.2 at $WORKFLOW_REDIS_URI (default
//                      redis://127.0.0.1:6379), under a key prefix of its own
// Both packages come from the mizzle-dev/workflow-worlds repository and share their event logic,
// so most scripts reproduce a finding of both.

export const WORLD = process.env.WORLD ?? 'starter';

/** The World, built as an application builds it (config given to createWorld). */
export async function openWorld(config = {}) {
  if (WORLD === 'redis') {
    const { createWorld } = await import('@workflow-worlds/redis');
    const redisUrl = process.env.WORKFLOW_REDIS_URI ?? 'redis://127.0.0.1:6379';
    return createWorld({ redisUrl, keyPrefix: `repro-${Date.now().toString(36)}`, ...config });
  }
  if (WORLD === 'starter') {
    const { createWorld } = await import('@workflow-worlds/starter');
    return createWorld(config);
  }
  throw new Error(`WORLD must be starter or redis, not ${WORLD}`);
}

/** Ends the script: neither World can close its connections, so the process exits here. */
export function finish() {
  process.exit(process.exitCode ?? 0);
}

/** Creates a run, and starts it unless `started` is false; returns its runId. */
export async function newRun(world, { started = true } = {}) {
  const created = await world.events.create(null, {
    eventType: 'run_created',
    eventData: { deploymentId: 'dpl_repro', workflowName: 'repro', input: new Uint8Array([1, 2, 3]) },
  });
  if (started) await world.events.create(created.run.runId, { eventType: 'run_started' });
  return created.run.runId;
}

/** The eventTypes of a run's log, in the order events.list returns them. */
export async function logOf(world, runId) {
  const page = await world.events.list({ runId, pagination: { limit: 1000 } });
  return page.data.map((event) => event.eventType);
}

/**
 * Hosts the World's queue as an application does: an HTTP server on 127.0.0.1 plays the
 * workflow routes, each message reaches the handler registered for the longest prefix of its
 * queue name, and every delivery is kept in `deliveries` as {prefix, message, meta}.
 * `answer(message, meta)` gives the handler's return value. Returns {world, deliveries}.
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
  server.unref();
  const world = await openWorld({ baseUrl: `http://127.0.0.1:${server.address().port}` });
  for (const prefix of prefixes) {
    handlers.set(prefix, world.createQueueHandler(prefix, async (message, meta) => {
      deliveries.push({ prefix, message, meta });
      return answer(message, meta);
    }));
  }
  await world.start();
  return { world, deliveries };
}

/**
 * Queues one step message to a World whose step handler answers `{timeoutSeconds}` to the
 * message's first delivery and nothing to later ones, then waits up to `seconds` for it to come
 * a second time. Returns {messageId, deliveries}: that message's deliveries, in order.
 */
export async function deliveriesAfterOneTimeout(timeoutSeconds, seconds) {
  let first = true;
  const { world, deliveries } = await queueWorld(['__wkf_step_'], () => {
    if (!first) return undefined;
    first = false;
    return { timeoutSeconds };
  });
  const { messageId } = await world.queue('__wkf_step_repro', {
    workflowName: 'repro', workflowRunId: 'wrun_repro', workflowStartedAt: Date.now(), stepId: 'step_repro',
  });
  const mine = () => deliveries.filter((d) => d.meta.messageId === messageId);
  await eventually(() => mine().length >= 2, seconds);
  return { messageId, deliveries: mine() };
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
