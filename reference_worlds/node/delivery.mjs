// How queue deliveries reach the HTTP handlers that createQueueHandler returns.
//
// A World's createQueueHandler(prefix, fn) returns `(Request) => Promise<Response>` for the host
// application to mount; how the World's queue reaches it is the World's business. Two ways are
// known: a World with `registerHandler(prefix, httpHandler)` (world-local) calls the handler in
// process; any other World POSTs to the application's `/.well-known/workflow/v1/{flow,step}` at
// `PORT` / `WORKFLOW_LOCAL_BASE_URL` (world-postgres). The bridge plays that application: it
// listens on 127.0.0.1 and points both variables at itself before any World is built. A
// delivery reaches the World instance that queued it: by a header the bridge adds to each
// queued message, or, for a World that drops queue headers, by the message id queue() returned.
// Anything else (say, a World re-enqueueing other instances' runs on start) is acknowledged and
// dropped, with a line on stderr: no test queued it, and no test's handler may see it.

import http from 'node:http';
import { Readable } from 'node:stream';

/** Header the bridge adds to each queued message of an HTTP-delivered World: the World it came from. */
export const WORLD_HEADER = 'x-worldspec-world';

/** Whether `world` calls its queue handlers itself (`registerHandler`) rather than over HTTP. */
export function deliversInProcess(world) {
  return typeof world.registerHandler === 'function';
}

export class DeliveryRoutes {
  constructor() {
    this.routes = new Map(); // worldKey -> Map(prefix -> httpHandler)
    this.closedWorlds = new Set();
    this.messageWorlds = new Map(); // message id -> worldKey
    this.server = null;
  }

  /** Starts the HTTP endpoint and exports its address to the environment Worlds read. */
  async listen() {
    this.server = http.createServer((req, res) => {
      this.serve(req, res).catch((error) => {
        console.error('[worldspec bridge] HTTP delivery failed:', error);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.server.unref();
    const { port } = this.server.address();
    process.env.PORT ??= String(port);
    process.env.WORKFLOW_LOCAL_BASE_URL ??= `http://127.0.0.1:${port}`;
  }

  /** Mounts `httpHandler` for messages of World `worldKey` whose queue name starts with `prefix`. */
  mount(world, worldKey, prefix, httpHandler) {
    if (deliversInProcess(world)) {
      world.registerHandler(prefix, httpHandler);
      return 'direct';
    }
    if (!this.routes.has(worldKey)) this.routes.set(worldKey, new Map());
    this.routes.get(worldKey).set(prefix, httpHandler);
    return 'http';
  }

  /** Notes that World `worldKey` queued message `messageId`. */
  remember(messageId, worldKey) {
    if (typeof messageId === 'string') this.messageWorlds.set(messageId, worldKey);
  }

  /** Forgets World `worldKey`; messages still addressed to it are acknowledged and dropped. */
  forget(worldKey) {
    this.routes.delete(worldKey);
    this.closedWorlds.add(worldKey);
  }

  async serve(req, res) {
    const queueName = String(req.headers['x-vqs-queue-name'] ?? '');
    const messageId = String(req.headers['x-vqs-message-id'] ?? '');
    const worldKey = String(req.headers[WORLD_HEADER] ?? this.messageWorlds.get(messageId) ?? '');
    const handlers = this.routes.get(worldKey) ?? new Map();
    const match = [...handlers.entries()].find(([prefix]) => queueName.startsWith(prefix));
    if (match === undefined) {
      if (!this.closedWorlds.has(worldKey)) {
        console.error(`[worldspec bridge] dropped ${queueName} ${messageId}: no World of this bridge awaits it`);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
      return;
    }
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method,
      headers: Object.entries(req.headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((i) => [k, i]) : [[k, v]])),
      body: Readable.toWeb(req),
      duplex: 'half',
    });
    const response = await match[1](request);
    res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
    res.end(Buffer.from(await response.arrayBuffer()));
  }
}
