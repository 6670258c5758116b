// Checks frames and call arguments against protocol.json, the schema both sides of the bridge share.

import { readFileSync } from 'node:fs';

export const PROTOCOL = JSON.parse(readFileSync(new URL('./protocol.json', import.meta.url), 'utf8'));

function typeOf(value) {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'bytes';
  if (value instanceof Date) return 'date';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function fits(value, type) {
  return type.split('|').some((want) => {
    const got = typeOf(value);
    if (want === 'any' || want === got) return true;
    if (want === 'number') return got === 'integer';
    if (want === 'error') return got === 'object' && problemsOf(value, PROTOCOL.error.fields).length === 0;
    return false;
  });
}

function problemsOf(object, fields) {
  const problems = [];
  for (const [rawName, type] of Object.entries(fields)) {
    const optional = rawName.endsWith('?');
    const name = optional ? rawName.slice(0, -1) : rawName;
    if (!(name in object)) {
      if (!optional) problems.push(`${name}: required, but absent`);
    } else if (!fits(object[name], type)) {
      problems.push(`${name}: expected ${type}, got ${typeOf(object[name])}`);
    }
  }
  return problems;
}

/** The problems of an incoming or outgoing frame (empty when it fits the schema). */
export function frameProblems(frame) {
  if (typeOf(frame) !== 'object') return [`a frame is an object, got ${typeOf(frame)}`];
  const spec = PROTOCOL.frames[frame.kind];
  if (spec === undefined) return [`unknown frame kind ${JSON.stringify(frame.kind)}`];
  return problemsOf(frame, spec.fields).map((problem) => `${frame.kind}.${problem}`);
}

/** The problems of a call's decoded arguments against the method's signature. */
export function argumentProblems(method, args) {
  const spec = PROTOCOL.methods[method];
  if (spec === undefined) return [`unknown method ${JSON.stringify(method)}`];
  const required = spec.args.filter((type) => !type.endsWith('?')).length;
  if (args.length < required || args.length > spec.args.length) {
    return [`${method} takes ${required}..${spec.args.length} arguments, got ${args.length}`];
  }
  return args.flatMap((arg, index) => {
    const type = spec.args[index].replace(/\?$/, '');
    return fits(arg, type) ? [] : [`${method} argument ${index + 1}: expected ${type}, got ${typeOf(arg)}`];
  });
}
