// Checks frames and call arguments against protocol.json, the schema both sides of the bridge share.
// The schema is compiled once into field lists with the set of types each field accepts.

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

/** `type` ("string|null", "object?") as the set of type names it accepts. */
function accepted(type) {
  return new Set(type.replace(/\?$/, '').split('|'));
}

/** `fields` ({name or name?: type}) as [{name, optional, type, accepts}]. */
function compileFields(fields) {
  return Object.entries(fields).map(([rawName, type]) => ({
    name: rawName.replace(/\?$/, ''),
    optional: rawName.endsWith('?'),
    type,
    accepts: accepted(type),
  }));
}

const ERROR_FIELDS = compileFields(PROTOCOL.error.fields);
const FRAMES = new Map(Object.entries(PROTOCOL.frames).map(([kind, spec]) => [kind, compileFields(spec.fields)]));
const METHODS = new Map(
  Object.entries(PROTOCOL.methods).map(([method, spec]) => [
    method,
    {
      required: spec.args.filter((type) => !type.endsWith('?')).length,
      args: spec.args.map((type) => ({ type: type.replace(/\?$/, ''), accepts: accepted(type) })),
    },
  ])
);

function fits(value, accepts) {
  const got = typeOf(value);
  if (accepts.has(got) || accepts.has('any')) return true;
  if (got === 'integer' && accepts.has('number')) return true;
  return accepts.has('error') && got === 'object' && problemsOf(value, ERROR_FIELDS).length === 0;
}

function problemsOf(object, fields) {
  const problems = [];
  for (const field of fields) {
    if (!(field.name in object)) {
      if (!field.optional) problems.push(`${field.name}: required, but absent`);
    } else if (!fits(object[field.name], field.accepts)) {
      problems.push(`${field.name}: expected ${field.type}, got ${typeOf(object[field.name])}`);
    }
  }
  return problems;
}

/** The problems of an incoming or outgoing frame (empty when it fits the schema). */
export function frameProblems(frame) {
  if (typeOf(frame) !== 'object') return [`a frame is an object, got ${typeOf(frame)}`];
  const fields = FRAMES.get(frame.kind);
  if (fields === undefined) return [`unknown frame kind ${JSON.stringify(frame.kind)}`];
  const problems = problemsOf(frame, fields);
  return problems.length === 0 ? problems : problems.map((problem) => `${frame.kind}.${problem}`);
}

/** The problems of a call's decoded arguments against the method's signature. */
export function argumentProblems(method, args) {
  const spec = METHODS.get(method);
  if (spec === undefined) return [`unknown method ${JSON.stringify(method)}`];
  if (args.length < spec.required || args.length > spec.args.length) {
    return [`${method} takes ${spec.required}..${spec.args.length} arguments, got ${args.length}`];
  }
  const problems = [];
  for (let index = 0; index < args.length; index++) {
    const { type, accepts } = spec.args[index];
    if (!fits(args[index], accepts)) {
      problems.push(`${method} argument ${index + 1}: expected ${type}, got ${typeOf(args[index])}`);
    }
  }
  return problems;
}
