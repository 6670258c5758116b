// The Node side of worldspec's bridge: serves one npm World package to Python over stdin/stdout.
//
// Usage: node bridge.mjs [ENTRY]   where ENTRY is a module exporting `load()`, which imports the
// package (the Python side writes it into the package's install directory, so the import resolves
// there). Frames and values are described in protocol.json. The process exits when stdin closes.

import { pathToFileURL } from 'node:url';
import { decode, encode } from './tagged.mjs';
import { DeliveryRoutes, WORLD_HEADER } from './delivery.mjs';
import { argumentProblems, frameProblems, PROTOCOL } from './schema.mjs';

// Only frames may reach stdout: everything else anyone prints goes to stderr.
const writeChannel = process.stdout.write.bind(process.stdout);
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
  'createQueueHandler', 'readFromStream', 'registerHandler', 'start', 'close',
];

class BridgeError extends Error {
  name = BRIDGE_ERROR;
}

function send(frame) {
  const problems = frameProblems(frame);
  if (problems.length) throw new BridgeError(`refusing to send a malformed frame: ${problems.join('; ')}`);
  const body = Buffer.from(JSON.stringify(frame), 'utf8');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  writeChannel(Buffer.concat([header, body]));
}

function describeError(error) {
  if (error === null || typeof error !== 'object') return { name: 'Error', message: String(error) };
  const described = { name: String(error.name ?? 'Error'), message: String(error.message ?? '') };
  for (const field of ERROR_FIELDS) {
    const value = error[field];
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
    this.worlds = new Map(); // id -> {world, key, closed}
    this.deliveries = new Map(); // delivery id -> {resolve, reject, entry}
    this.streams = new Map(); // call id -> ReadableStreamDefaultReader
    this.routes = new DeliveryRoutes();
    this.nextWorld = 1;
    this.nextDelivery = 1;
  }

  entry(worldId) {
    const entry = this.worlds.get(worldId);
    if (entry === undefined || entry.closed) throw new BridgeError(`no open World ${worldId} in this bridge`);
    return entry;
  }

  async create(exportName, config) {
    if (this.module === null) throw new BridgeError('the bridge was started without a package');
    const factory = pickExport(this.module, exportName);
    const world = typeof factory === 'function' ? await factory(...(config === null ? [] : [config])) : factory;
    if (world === null || typeof world !== 'object' || typeof world.events?.create !== 'function') {
      throw new BridgeError(`the export did not build a World (got ${world === null ? 'null' : typeof world})`);
    }
    const id = this.nextWorld++;
    this.worlds.set(id, { world, key: `${process.pid}-${id}`, closed: false });
    return { world: id, specVersion: world.specVersion ?? null, members: membersOf(world) };
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
      await entry.world.close?.();
    } finally {
      this.worlds.delete(worldId);
    }
    return null;
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
      send({ kind: 'deliver', id, handler: handlerId, message: encode(message), meta: encode(meta) });
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

  async readFromStream(callId, entry, name, startIndex) {
    const reader = (await entry.world.readFromStream(name, startIndex)).getReader();
    this.streams.set(callId, reader);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return null;
        send({ kind: 'chunk', id: callId, data: encode(value) });
      }
    } finally {
      this.streams.delete(callId);
    }
  }

  async invoke(frame) {
    const { id, method } = frame;
    const args = decode(frame.args);
    const problems = argumentProblems(method, args);
    if (problems.length) throw new BridgeError(problems.join('; '));
    if (method === 'bridge.echo') return args[0];
    if (method === 'bridge.create') return this.create(...args);
    const entry = this.entry(frame.world);
    const world = entry.world;
    switch (method) {
      case 'bridge.start':
        await world.start?.();
        return null;
      case 'bridge.close':
        return this.close(entry, frame.world);
      case 'bridge.createQueueHandler':
        return this.createQueueHandler(entry, ...args);
      case 'bridge.readFromStream':
        return this.readFromStream(id, entry, ...args);
      case 'queue':
        if (typeof world.registerHandler !== 'function') {
          const options = args[2] ?? {};
          args[2] = { ...options, headers: { ...options.headers, [WORLD_HEADER]: entry.key } };
        }
        break;
      default:
        break;
    }
    const [head, tail] = method.split('.');
    const owner = tail === undefined ? world : world[head];
    const member = owner?.[tail ?? head];
    if (typeof member !== 'function') {
      throw new TypeError(`world.${method} is not a function: the World lacks this member of the interface`);
    }
    const value = await member.apply(owner, args);
    if (method === 'queue') this.routes.remember(value?.messageId, entry.key);
    return value;
  }

  async call(frame) {
    let reply;
    try {
      const value = await this.invoke(frame);
      reply = { kind: 'result', id: frame.id, value: encode(value ?? null) };
    } catch (error) {
      reply = { kind: 'error', id: frame.id, error: describeError(error) };
    }
    try {
      send(reply);
    } catch (error) {
      send({ kind: 'error', id: frame.id, error: describeError(error) });
    }
  }

  onFrame(frame) {
    const problems = frameProblems(frame);
    if (problems.length) {
      console.error(`[worldspec bridge] ignoring a malformed frame: ${problems.join('; ')}`);
      if (frame?.kind === 'call' && Number.isInteger(frame.id)) {
        send({ kind: 'error', id: frame.id, error: { name: BRIDGE_ERROR, message: problems.join('; ') } });
      }
      return;
    }
    if (frame.kind === 'call') this.call(frame);
    else if (frame.kind === 'delivered') this.delivered(frame);
    else if (frame.kind === 'cancel') this.streams.get(frame.id)?.cancel().catch(() => {});
    else console.error(`[worldspec bridge] unexpected ${frame.kind} frame from Python`);
  }
}

function readFrames(onFrame) {
  let pending = [];
  let size = 0;
  process.stdin.on('data', (data) => {
    pending.push(data);
    size += data.length;
    while (size >= 4) {
      const buffered = pending.length === 1 ? pending[0] : Buffer.concat(pending);
      const length = buffered.readUInt32BE(0);
      if (buffered.length < 4 + length) {
        pending = [buffered];
        return;
      }
      const rest = buffered.subarray(4 + length);
      pending = rest.length ? [rest] : [];
      size = rest.length;
      onFrame(JSON.parse(buffered.subarray(4, 4 + length).toString('utf8')));
    }
  });
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
}

async function main() {
  const hello = { kind: 'hello', version: PROTOCOL.version, pid: process.pid, runtime: `node ${process.version}` };
  let module = null;
  const entryPath = process.argv[2];
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
  let greeted = false;
  readFrames((frame) => {
    if (greeted) return bridge.onFrame(frame);
    if (frame?.kind !== 'hello' || frame.version !== PROTOCOL.version) {
      console.error(`[worldspec bridge] expected hello version ${PROTOCOL.version}, got ${JSON.stringify(frame)}`);
      process.exit(2);
    }
    greeted = true;
  });
  send(hello);
}

await main();
