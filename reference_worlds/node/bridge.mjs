// The Node side of worldspec's bridge: serves one npm World package to Python.
//
// Usage: node bridge.mjs SOCKET [ENTRY]   where ENTRY is a module exporting `load()`, which imports
// the package (the Python side writes it into the package's install directory, so the import
// resolves there). The bridge listens on the Unix socket SOCKET, then writes one hello frame to
// stdout. Each Python event loop connects and speaks frames on its own connection; a World
// belongs to the connection that created it and is closed when that connection ends. Frames and
// values are described in protocol.json. The process exits when stdin closes.

import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { decode, encode } from './tagged.mjs';
import { DeliveryRoutes, deliversInProcess, WORLD_HEADER } from './delivery.mjs';
import { argumentProblems, frameProblems, PROTOCOL } from './schema.mjs';

// Only the hello frame may reach stdout: everything else anyone prints goes to stderr.
const writeStdout = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr);
console.log = console.error;
console.info = console.error;
console.debug = console.error;
process.on('unhandledRejection', (error) => console.error('[worldspec bridge] unhandled rejection:', error));
process.on('uncaughtException', (error) => console.error('[worldspec bridge] uncaught exception:', error));

const BRIDGE_ERROR = 'WorldspecBridgeError';
const ERROR_FIELDS = Object.keys(PROTOCOL.error.fields).map((field) => field.replace(/\?$/, ''));
const MEMBERS = [
  ...Object.keys(PROTOCOL.methods).filter((method) => !method.startsWith('bridge.')),
  'createQueueHandler', 'readFromStream', 'streams.get', 'registerHandler', 'start', 'close',
];

class BridgeError extends Error {
  name = BRIDGE_ERROR;
}

/** `frame` as bytes on the wire: its length (4 bytes, big-endian), then its UTF-8 JSON. */
function framed(frame) {
  const problems = frameProblems(frame);
  if (problems.length) throw new BridgeError(`refusing to send a malformed frame: ${problems.join('; ')}`);
  const body = JSON.stringify(frame);
  const length = Buffer.byteLength(body, 'utf8');
  const bytes = Buffer.allocUnsafe(4 + length);
  bytes.writeUInt32BE(length, 0);
  bytes.write(body, 4, 'utf8');
  return bytes;
}

function describeError(error) {
  if (error === null || typeof error !== 'object') return { name: 'Error', message: String(error) };
  const described = { name: String(error.name ?? 'Error'), message: String(error.message ?? '') };
  for (const field of ERROR_FIELDS) {
    const value = error[field] instanceof Date ? error[field].toISOString() : error[field];
    const type = PROTOCOL.error.fields[field] ?? PROTOCOL.error.fields[`${field}?`];
    if (field !== 'name' && field !== 'message' && typeof value === type.replace(/\?$/, '')) described[field] = value;
  }
  return described;
}

function membersOf(world) {
  return MEMBERS.filter((path) => {
    const [head, tail] = path.split('.');
    const owner = tail === undefined ? world : world?.[head];
    return typeof owner?.[tail ?? head] === 'function';
  });
}

const MEMBER_PATHS = new Map(); // 'events.create' -> ['events', 'create'], split once

function memberPath(method) {
  let path = MEMBER_PATHS.get(method);
  if (path === undefined) {
    path = method.split('.');
    MEMBER_PATHS.set(method, path);
  }
  return path;
}

function pickExport(module, exportName) {
  const names = Object.keys(module);
  if (exportName !== null) {
    if (!(exportName in module)) throw new BridgeError(`the package has no export ${exportName}; it has ${names.join(', ')}`);
    return module[exportName];
  }
  for (const name of ['createWorld', 'default']) if (typeof module[name] === 'function') return module[name];
  const creators = names.filter((name) => /^create\w*World$/.test(name) && typeof module[name] === 'function');
  if (creators.length === 1) return module[creators[0]];
  throw new BridgeError(`cannot tell which export builds the World (exports: ${names.join(', ')}); pass export=NAME`);
}

class Bridge {
  constructor(module) {
    this.module = module;
    this.worlds = new Map(); // id -> {world, key, closed, connection}
    this.deliveries = new Map(); // delivery id -> {resolve, reject, entry}
    this.routes = new DeliveryRoutes();
    this.nextWorld = 1;
    this.nextDelivery = 1;
    this.worldCalls = 0;
    this.worldMs = 0;
  }

  /** `call()`'s result, counting the time it takes as time spent in the World. */
  async inWorld(call) {
    const started = performance.now();
    try {
      return await call();
    } finally {
      this.worldCalls += 1;
      this.worldMs += performance.now() - started;
    }
  }

  entry(worldId) {
    const entry = this.worlds.get(worldId);
    if (entry === undefined || entry.closed) throw new BridgeError(`no open World ${worldId} in this bridge`);
    return entry;
  }

  async create(connection, exportName, config) {
    if (this.module === null) throw new BridgeError('the bridge was started without a package');
    const factory = pickExport(this.module, exportName);
    const build = () => factory(...(config === null ? [] : [config]));
    const world = typeof factory === 'function' ? await this.inWorld(build) : factory;
    if (world === null || typeof world !== 'object' || typeof world.events?.create !== 'function') {
      throw new BridgeError(`the export did not build a World (got ${world === null ? 'null' : typeof world})`);
    }
    const id = this.nextWorld++;
    this.worlds.set(id, { world, key: `${process.pid}-${id}`, closed: false, connection });
    const capabilities = world.capabilities !== null && typeof world.capabilities === 'object' ? world.capabilities : null;
    return { world: id, specVersion: world.specVersion ?? null, members: membersOf(world), capabilities };
  }

  async close(entry, worldId) {
    entry.closed = true;
    this.routes.forget(entry.key);
    for (const [id, pending] of this.deliveries) {
      if (pending.entry === entry) {
        this.deliveries.delete(id);
        pending.reject(new BridgeError('the World was closed during this delivery'));
      }
    }
    try {
      await this.inWorld(async () => entry.world.close?.());
    } finally {
      this.worlds.delete(worldId);
    }
    return null;
  }

  /** A connection ended: close the Worlds it still holds (their Python side is gone). */
  forget(connection) {
    for (const [id, entry] of this.worlds) {
      if (entry.connection === connection && !entry.closed) {
        this.close(entry, id).catch((error) => console.error(`[worldspec bridge] closing World ${id}:`, error));
      }
    }
  }

  createQueueHandler(entry, prefix, handlerId) {
    const handler = (message, meta) => this.askPython(entry, handlerId, message, meta);
    const httpHandler = entry.world.createQueueHandler(prefix, handler);
    return this.routes.mount(entry.world, entry.key, prefix, httpHandler);
  }

  askPython(entry, handlerId, message, meta) {
    if (entry.closed) return Promise.reject(new BridgeError('the World is closed; delivery refused'));
    const id = this.nextDelivery++;
    return new Promise((resolve, reject) => {
      this.deliveries.set(id, { resolve, reject, entry });
      entry.connection.send({ kind: 'deliver', id, handler: handlerId, message: encode(message), meta: encode(meta) });
    });
  }

  delivered(frame) {
    const pending = this.deliveries.get(frame.id);
    if (pending === undefined) return;
    this.deliveries.delete(frame.id);
    if (frame.error !== undefined) {
      pending.reject(Object.assign(new Error(frame.error.message), { name: frame.error.name }));
    } else {
      pending.resolve(frame.outcome === null ? undefined : decode(frame.outcome));
    }
  }

  /** Sends the chunks of the ReadableStream `open()` resolves to as chunk frames of call `callId`. */
  async sendStream(connection, callId, open) {
    const reader = (await open()).getReader();
    connection.streams.set(callId, reader);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return null;
        connection.send({ kind: 'chunk', id: callId, data: encode(value) });
      }
    } finally {
      connection.streams.delete(callId);
    }
  }

  async invoke(connection, frame) {
    const { id, method } = frame;
    const args = decode(frame.args);
    const problems = argumentProblems(method, args);
    if (problems.length) throw new BridgeError(problems.join('; '));
    if (method === 'bridge.echo') return args[0];
    if (method === 'bridge.stats') {
      const { user, system } = process.cpuUsage();
      return { worldCalls: this.worldCalls, worldMs: this.worldMs, cpuMs: (user + system) / 1000 };
    }
    if (method === 'bridge.create') return this.create(connection, ...args);
    const entry = this.entry(frame.world);
    const world = entry.world;
    switch (method) {
      case 'bridge.start':
        await this.inWorld(async () => world.start?.());
        return null;
      case 'bridge.close':
        return this.close(entry, frame.world);
      case 'bridge.createQueueHandler':
        return this.createQueueHandler(entry, ...args);
      case 'bridge.readFromStream':
        return this.sendStream(connection, id, () => world.readFromStream(...args));
      case 'bridge.streamsGet':
        return this.sendStream(connection, id, () => world.streams.get(...args));
      case 'queue':
        if (!deliversInProcess(world)) {
          const options = args[2] ?? {};
          args[2] = { ...options, headers: { ...options.headers, [WORLD_HEADER]: entry.key } };
        }
        break;
      default:
        break;
    }
    const [head, tail] = memberPath(method);
    const owner = tail === undefined ? world : world[head];
    const member = owner?.[tail ?? head];
    if (typeof member !== 'function') {
      throw new TypeError(`world.${method} is not a function: the World lacks this member of the interface`);
    }
    const value = await this.inWorld(() => member.apply(owner, args));
    // Only a World delivering over HTTP needs its messages' owner looked up (delivery.mjs).
    if (method === 'queue' && !deliversInProcess(world)) {
      this.routes.remember(value?.messageId, entry.key);
    }
    return value;
  }

  async call(connection, frame) {
    let reply;
    try {
      const value = await this.invoke(connection, frame);
      reply = { kind: 'result', id: frame.id, value: encode(value ?? null) };
    } catch (error) {
      reply = { kind: 'error', id: frame.id, error: describeError(error) };
    }
    try {
      connection.send(reply);
    } catch (error) {
      connection.send({ kind: 'error', id: frame.id, error: describeError(error) });
    }
  }
}

/** One Python event loop's connection: its frames, its open streams. */
class Connection {
  constructor(bridge, socket) {
    this.bridge = bridge;
    this.socket = socket;
    this.streams = new Map(); // call id -> ReadableStreamDefaultReader
    this.greeted = false;
    socket.on('error', () => {}); // a peer that vanished shows as 'close'
    socket.on('close', () => {
      for (const reader of this.streams.values()) reader.cancel().catch(() => {});
      bridge.forget(this);
    });
    readFrames(socket, (frame) => this.onFrame(frame));
  }

  send(frame) {
    const bytes = framed(frame);
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  onFrame(frame) {
    if (!this.greeted) {
      if (frame?.kind === 'hello' && frame.version === PROTOCOL.version) {
        this.greeted = true;
      } else {
        console.error(`[worldspec bridge] expected hello version ${PROTOCOL.version}, got ${JSON.stringify(frame)}`);
        this.socket.destroy();
      }
      return;
    }
    const problems = frameProblems(frame);
    if (problems.length) {
      console.error(`[worldspec bridge] ignoring a malformed frame: ${problems.join('; ')}`);
      if (frame?.kind === 'call' && Number.isInteger(frame.id)) {
        this.send({ kind: 'error', id: frame.id, error: { name: BRIDGE_ERROR, message: problems.join('; ') } });
      }
      return;
    }
    if (frame.kind === 'call') this.bridge.call(this, frame);
    else if (frame.kind === 'delivered') this.bridge.delivered(frame);
    else if (frame.kind === 'cancel') this.streams.get(frame.id)?.cancel().catch(() => {});
    else console.error(`[worldspec bridge] unexpected ${frame.kind} frame from Python`);
  }
}

/** Calls `onFrame` with each frame read from `stream`; a frame's bytes are joined once, when
 * all of them have arrived. */
function readFrames(stream, onFrame) {
  let chunks = [];
  let size = 0;
  stream.on('data', (data) => {
    chunks.push(data);
    size += data.length;
    while (size >= 4) {
      if (chunks[0].length < 4) chunks = [Buffer.concat(chunks, size)];
      const length = chunks[0].readUInt32BE(0);
      if (size < 4 + length) return;
      const buffered = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      const rest = buffered.subarray(4 + length);
      chunks = rest.length ? [rest] : [];
      size = rest.length;
      onFrame(JSON.parse(buffered.toString('utf8', 4, 4 + length)));
    }
  });
}

async function main() {
  const [socketPath, entryPath] = process.argv.slice(2);
  const hello = { kind: 'hello', version: PROTOCOL.version, pid: process.pid, runtime: `node ${process.version}` };
  let module = null;
  if (entryPath !== undefined) {
    try {
      module = await (await import(pathToFileURL(entryPath).href)).load();
      hello.exports = Object.keys(module);
    } catch (error) {
      hello.loadError = `${error?.name ?? 'Error'}: ${error?.message ?? error}`;
    }
  }
  const bridge = new Bridge(module);
  await bridge.routes.listen();
  const server = net.createServer((socket) => new Connection(bridge, socket));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  process.stdin.on('data', () => {});
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  writeStdout(framed(hello));
}

await main();
