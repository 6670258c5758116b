#!/usr/bin/env node
// Judge a worldspec parity corpus with upstream's own zod schemas.
//
//   node tools/zod-parity/validate.mjs [--pin DIR] [CORPUS.json | -] > verdicts.json
//
// The corpus is {"cases": [{"id", "schema", "data"}, ...]} with data in the tagged JSON form:
// {"$bytes": base64} is a Uint8Array, {"$timestampMs": n} a Date, {"$undefined": true} is
// undefined and {"$object": {...}} an object that would otherwise read as a tag. Each case is
// checked with `schema.safeParse(data)`; the verdicts say whether upstream accepted it and, if
// not, every zod issue as `path: code`.
//
// The pinned @workflow/world (package.json + package-lock.json beside this file: 4.5.0, the
// 4.x line) is installed once into a cache directory, $WORLDSPEC_NPM_CACHE or
// ~/.cache/worldspec/zod-parity, and reused while its manifests match these. `--pin DIR` judges
// with the pin in DIR instead (tools/zod-parity/world-5: 5.0.0-beta.37, the 5.x line), cached
// in that directory's sibling `<cache>-<basename of DIR>`. Nothing is installed into the
// repository. A case may name any of SCHEMA_NAMES that the pinned package exports.
//
// Exit codes: 0 verdicts written; 2 unusable corpus or arguments; 3 the install failed.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const MANIFESTS = ['package.json', 'package-lock.json'];
const SCHEMA_NAMES = [
  'EventSchema',
  'CreateEventSchema',
  'WorkflowRunSchema',
  'StepSchema',
  'HookSchema',
  'WaitSchema',
  'QueuePayloadSchema',
  'WorkflowInvokePayloadSchema',
  'StepInvokePayloadSchema',
  'HealthCheckPayloadSchema',
  'StructuredErrorSchema',
  'BulkCancelWorkflowRunsRequestSchema',
  'BulkCancelWorkflowRunsResultSchema',
];

class CorpusError extends Error {}

function cacheDirectory(pin) {
  const base = process.env.WORLDSPEC_NPM_CACHE || join(homedir(), '.cache', 'worldspec', 'zod-parity');
  return pin === HERE ? base : `${base}-${basename(pin)}`;
}

function isInstalled(dir, pin) {
  for (const name of MANIFESTS) {
    const cached = join(dir, name);
    if (!existsSync(cached)) return false;
    if (readFileSync(cached, 'utf8') !== readFileSync(join(pin, name), 'utf8')) return false;
  }
  return existsSync(join(dir, 'node_modules', '@workflow', 'world', 'package.json'));
}

function isOurs(dir, pin) {
  if (!existsSync(dir) || readdirSync(dir).length === 0) return true;
  const ourName = JSON.parse(readFileSync(join(pin, 'package.json'), 'utf8')).name;
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === ourName;
  } catch {
    return false;
  }
}

/** Install the package pinned in `pin` into `dir` unless an identical install is already there. */
function ensureInstalled(dir, pin) {
  if (isInstalled(dir, pin)) return;
  if (!isOurs(dir, pin)) {
    throw new Error(`${dir} exists and is not a zod-parity cache; set WORLDSPEC_NPM_CACHE elsewhere`);
  }
  mkdirSync(dirname(dir), { recursive: true });
  const staging = mkdtempSync(`${dir}.staging-`);
  try {
    for (const name of MANIFESTS) copyFileSync(join(pin, name), join(staging, name));
    process.stderr.write(`zod-parity: installing @workflow/world into ${dir}\n`);
    execFileSync('npm', ['install', '--no-audit', '--no-fund'], {
      cwd: staging,
      stdio: ['ignore', 2, 2],
      shell: process.platform === 'win32',
    });
    if (isInstalled(dir, pin)) return; // another process finished the same install meanwhile
    rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(staging, dir);
    } catch (error) {
      if (!isInstalled(dir, pin)) throw error; // another process finished the same install first
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function installedVersion(dir, name) {
  const manifest = join(dir, 'node_modules', ...name.split('/'), 'package.json');
  return existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).version : 'unknown';
}

async function loadUpstream(dir) {
  const entry = createRequire(join(dir, 'package.json')).resolve('@workflow/world');
  return import(pathToFileURL(entry).href);
}

/** Tagged JSON -> JavaScript values, as worldspec.wire reads it on the Python side. */
function untag(value, where) {
  if (Array.isArray(value)) return value.map((item, index) => untag(item, `${where}[${index}]`));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0].startsWith('$')) {
    const [tag] = keys;
    const body = value[tag];
    if (tag === '$bytes' && typeof body === 'string') {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) {
        throw new CorpusError(`${where}: $bytes holds invalid base64`);
      }
      return new Uint8Array(Buffer.from(body, 'base64'));
    }
    if (tag === '$timestampMs' && typeof body === 'number') return new Date(body);
    if (tag === '$undefined' && body === true) return undefined;
    if (tag === '$object' && body !== null && typeof body === 'object' && !Array.isArray(body)) {
      return untagObject(body, where);
    }
    if (['$bytes', '$timestampMs', '$undefined', '$object'].includes(tag)) {
      throw new CorpusError(`${where}: malformed ${tag} tag`);
    }
  }
  return untagObject(value, where);
}

function untagObject(value, where) {
  const decoded = {};
  for (const [key, item] of Object.entries(value)) decoded[key] = untag(item, `${where}.${key}`);
  return decoded;
}

/** One zod issue as `path: code`, e.g. `eventData.resumeAt: invalid_type`. */
function issueSummary(issue) {
  return `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.code}`;
}

function readCorpus(argument) {
  const text = !argument || argument === '-' ? readFileSync(0, 'utf8') : readFileSync(argument, 'utf8');
  let corpus;
  try {
    corpus = JSON.parse(text);
  } catch (error) {
    throw new CorpusError(`the corpus is not JSON: ${error.message}`);
  }
  if (!corpus || !Array.isArray(corpus.cases)) throw new CorpusError('the corpus has no "cases" array');
  return { corpus, sha256: createHash('sha256').update(text, 'utf8').digest('hex') };
}

function judge(upstream, cases) {
  const verdicts = {};
  for (const testCase of cases) {
    const { id, schema } = testCase ?? {};
    if (typeof id !== 'string' || id in verdicts) throw new CorpusError(`missing or repeated case id: ${id}`);
    if (!SCHEMA_NAMES.includes(schema) || typeof upstream[schema]?.safeParse !== 'function') {
      throw new CorpusError(`${id}: unknown schema ${schema}`);
    }
    if (!('data' in testCase)) throw new CorpusError(`${id}: no "data"`);
    const result = upstream[schema].safeParse(untag(testCase.data, `${id}.data`));
    verdicts[id] = result.success
      ? { schema, accepted: true }
      : { schema, accepted: false, issues: result.error.issues.map(issueSummary) };
  }
  return verdicts;
}

/** `[--pin DIR] [CORPUS | -]` -> {pin, corpus}, or null when the arguments are unusable. */
function parseArguments(argv) {
  let pin = HERE;
  const rest = [...argv];
  if (rest[0] === '--pin') {
    if (rest.length < 2) return null;
    pin = resolve(rest[1]);
    rest.splice(0, 2);
    if (!MANIFESTS.every((name) => existsSync(join(pin, name)))) return null;
  }
  if (rest.length > 1 || rest[0] === '-h' || rest[0] === '--help') return null;
  return { pin, corpus: rest[0] };
}

async function main(argv) {
  const args = parseArguments(argv);
  if (args === null) {
    process.stderr.write('usage: node validate.mjs [--pin DIR] [CORPUS.json | -] > verdicts.json\n');
    return 2;
  }
  let input;
  try {
    input = readCorpus(args.corpus);
  } catch (error) {
    process.stderr.write(`zod-parity: ${error.message}\n`);
    return 2;
  }
  const dir = cacheDirectory(args.pin);
  try {
    ensureInstalled(dir, args.pin);
  } catch (error) {
    process.stderr.write(`zod-parity: could not install @workflow/world: ${error.message}\n`);
    return 3;
  }
  const upstream = await loadUpstream(dir);
  let verdicts;
  try {
    verdicts = judge(upstream, input.corpus.cases);
  } catch (error) {
    if (!(error instanceof CorpusError)) throw error;
    process.stderr.write(`zod-parity: ${error.message}\n`);
    return 2;
  }
  const output = {
    format: 'worldspec-parity-verdicts/1',
    upstream: {
      '@workflow/world': installedVersion(dir, '@workflow/world'),
      zod: installedVersion(dir, 'zod'),
    },
    corpusSha256: input.sha256,
    verdicts,
  };
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
