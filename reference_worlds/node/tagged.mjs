// The tagged JSON form of worldspec/wire.py, in JavaScript: how Uint8Array, Date and undefined
// cross the bridge. encode() turns a JavaScript value into plain JSON data; decode() is its inverse.

const TAGS = new Set(['$bytes', '$timestampMs', '$undefined', '$object']);

function isTagShaped(object) {
  const keys = Object.keys(object);
  return keys.length === 1 && keys[0].startsWith('$');
}

function isPlainObject(value) {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `value` as tagged JSON data. Throws a TypeError for what JSON cannot carry losslessly. */
export function encode(value) {
  if (value === undefined) return { $undefined: true };
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot send the non-finite number ${value}`);
    return value;
  }
  if (value instanceof Uint8Array) {
    return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  }
  if (value instanceof Date) {
    const time = value.getTime();
    if (!Number.isFinite(time)) throw new TypeError('cannot send an invalid Date');
    return { $timestampMs: time };
  }
  if (Array.isArray(value)) return value.map(encode);
  if (typeof value === 'object' && isPlainObject(value)) {
    const encoded = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) encoded[key] = encode(item);
    }
    return isTagShaped(encoded) ? { $object: encoded } : encoded;
  }
  const kind = value?.constructor?.name ?? typeof value;
  throw new TypeError(`cannot send a ${kind} across the bridge`);
}

function decodeObject(object) {
  const decoded = {};
  for (const [key, item] of Object.entries(object)) {
    const value = decode(item);
    if (value !== undefined) decoded[key] = value;
  }
  return decoded;
}

/** Tagged JSON data back to JavaScript values. Throws a TypeError for a malformed tag. */
export function decode(value) {
  if (Array.isArray(value)) return value.map(decode);
  if (value === null || typeof value !== 'object') return value;
  if (!isTagShaped(value)) return decodeObject(value);
  const [[tag, body]] = Object.entries(value);
  if (tag === '$bytes' && typeof body === 'string') return new Uint8Array(Buffer.from(body, 'base64'));
  if (tag === '$timestampMs' && typeof body === 'number') return new Date(body);
  if (tag === '$undefined' && body === true) return undefined;
  if (tag === '$object' && body !== null && typeof body === 'object' && !Array.isArray(body)) {
    return decodeObject(body);
  }
  if (TAGS.has(tag)) throw new TypeError(`malformed ${tag} tag: ${JSON.stringify(value).slice(0, 80)}`);
  return decodeObject(value);
}
