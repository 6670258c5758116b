// The lifecycle benchmark of bench_postgres.py, run on upstream's @workflow/world-postgres@4.3.7.
// bench_postgres.py runs it once per round and concurrency, alternating with PostgresWorld's
// and the INSERT baseline's rounds; it is not meant to be run on its own, but can be:
//
//   node benchmarks/bench_upstream_postgres.mjs setup   [--dsn DSN]
//   node benchmarks/bench_upstream_postgres.mjs measure [--dsn DSN] --concurrency 10 --seconds 1.8
//        [--warmup 1]
//   node benchmarks/bench_upstream_postgres.mjs drop    [--dsn DSN]
//
// `setup` npm-installs the package into ~/.cache/worldspec-bench/upstream-postgres (outside the
// repository) unless it is there, and makes a database of its own (worldspec_upstream_bench; upstream
// keeps its tables in a fixed schema) on the server of --dsn, set up by upstream's own setup
// command. `measure` opens a world with a pool of min(concurrency, 20) connections, runs
// 12-event runs (run_created, run_started, 3 x step_created/step_started/step_completed,
// run_completed) back to back in `concurrency` workers for `warmup` seconds, then for `seconds`,
// and prints the second part's figures as one JSON object on stdout. `drop` drops the database.
// Anything else the programs print goes to stderr.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const PACKAGE = '@workflow/world-postgres@4.3.7';
const CACHE = join(homedir(), '.cache', 'worldspec-bench', 'upstream-postgres');
const DATABASE = 'worldspec_upstream_bench';
const EVENTS_PER_RUN = 12;
const MAX_POOL = 20;
const STDOUT_TO_STDERR = ['ignore', 2, 2];

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    dsn: { type: 'string', default: process.env.WORLDSPEC_POSTGRES_DSN || 'postgresql://postgres@127.0.0.1:5432/test' },
    concurrency: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
  },
});

function installed(path) {
  return pathToFileURL(join(CACHE, 'node_modules', path)).href;
}

function install() {
  if (!existsSync(join(CACHE, 'node_modules', '@workflow', 'world-postgres'))) {
    mkdirSync(CACHE, { recursive: true });
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', CACHE, PACKAGE], { stdio: STDOUT_TO_STDERR });
  }
}

function databaseUrl(name) {
  const url = new URL(options.dsn);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin(statement) {
  const { default: pg } = await import(installed('pg/lib/index.js'));
  const client = new pg.Client({ connectionString: options.dsn });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

const payload = new Uint8Array(64).map((_, index) => index);

async function lifecycle(world, ulid) {
  const created = await world.events.create(null, {
    eventType: 'run_created',
    specVersion: 3,
    eventData: { deploymentId: 'dpl_bench', workflowName: 'workflow//bench//w', input: payload },
  });
  const runId = created.run.runId;
  await world.events.create(runId, { eventType: 'run_started', specVersion: 3 });
  for (let step = 0; step < 3; step += 1) {
    const correlationId = `step_${ulid()}`;
    await world.events.create(runId, {
      eventType: 'step_created',
      specVersion: 3,
      correlationId,
      eventData: { stepName: 'step//bench//s', input: payload },
    });
    await world.events.create(runId, { eventType: 'step_started', specVersion: 3, correlationId });
    await world.events.create(runId, {
      eventType: 'step_completed',
      specVersion: 3,
      correlationId,
      eventData: { result: payload },
    });
  }
  await world.events.create(runId, { eventType: 'run_completed', specVersion: 3, eventData: { output: payload } });
}

async function rate(world, ulid, concurrency, seconds) {
  let events = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  async function worker() {
    while (performance.now() < deadline) {
      await lifecycle(world, ulid);
      events += EVENTS_PER_RUN;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  return { events, seconds: Number(elapsed.toFixed(3)), events_per_second: Number((events / elapsed).toFixed(1)) };
}

async function setup() {
  install();
  await admin(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${DATABASE}`);
  execFileSync(process.execPath, [join(CACHE, 'node_modules', '@workflow', 'world-postgres', 'dist', 'cli.js')], {
    env: { ...process.env, WORKFLOW_POSTGRES_URL: databaseUrl(DATABASE) },
    stdio: STDOUT_TO_STDERR,
  });
}

async function measure() {
  const { ulid } = await import(installed('ulid/dist/node/index.js'));
  const { createWorld } = await import(installed('@workflow/world-postgres/dist/index.js'));
  const concurrency = Number(options.concurrency);
  const world = createWorld({ connectionString: databaseUrl(DATABASE), maxPoolSize: Math.min(concurrency, MAX_POOL) });
  try {
    await rate(world, ulid, concurrency, Number(options.warmup));
    const figures = await rate(world, ulid, concurrency, Number(options.seconds));
    console.log(JSON.stringify({ package: PACKAGE, node: process.version, concurrency, ...figures }));
  } finally {
    await world.close();
  }
}

const actions = { setup, measure, drop: () => admin(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`) };
const action = actions[positionals[0]];
if (positionals.length !== 1 || action === undefined) {
  console.error('usage: bench_upstream_postgres.mjs setup|measure|drop [--dsn DSN] [--concurrency N] [--seconds S] [--warmup S]');
  process.exit(2);
}
await action();
// Upstream's close() leaves an idle client of some internal pool connected, which would keep
// the process alive; everything this program had to do is done.
process.exit(0);
