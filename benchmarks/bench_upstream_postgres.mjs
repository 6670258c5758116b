// The lifecycle benchmark of bench_postgres.py, run on upstream's @workflow/world-postgres@4.3.7.
//
//   node benchmarks/bench_upstream_postgres.mjs [--dsn postgresql://postgres@127.0.0.1:5432/test]
//        [--seconds 5] [--out benchmarks/results/upstream-postgres.json]
//
// The package is installed with npm into ~/.cache/worldspec-bench/upstream-postgres (outside the
// repository) on first use. Upstream keeps its tables in a fixed schema, so the benchmark makes
// a database of its own (worldspec_upstream_bench) on the server of --dsn, sets it up with
// upstream's own setup command, measures, and drops it. Figures: events/s of 12-event runs
// (run_created, run_started, 3 x step_created/step_started/step_completed, run_completed) at
// concurrency 1, 10 and 50. Fold them into postgres.json with bench_postgres.py --upstream FILE.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const PACKAGE = '@workflow/world-postgres@4.3.7';
const CACHE = join(homedir(), '.cache', 'worldspec-bench', 'upstream-postgres');
const DATABASE = 'worldspec_upstream_bench';
const CONCURRENCY = [1, 10, 50];
const EVENTS_PER_RUN = 12;

const { values: options } = parseArgs({
  options: {
    dsn: { type: 'string', default: process.env.WORLDSPEC_POSTGRES_DSN || 'postgresql://postgres@127.0.0.1:5432/test' },
    seconds: { type: 'string', default: '5' },
    out: { type: 'string', default: join(dirname(new URL(import.meta.url).pathname), 'results', 'upstream-postgres.json') },
  },
});

function installed(path) {
  return pathToFileURL(join(CACHE, 'node_modules', path)).href;
}

if (!existsSync(join(CACHE, 'node_modules', '@workflow', 'world-postgres'))) {
  mkdirSync(CACHE, { recursive: true });
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', CACHE, PACKAGE], { stdio: 'inherit' });
}

const { default: pg } = await import(installed('pg/lib/index.js'));
const { ulid } = await import(installed('ulid/dist/node/index.js'));
const { createWorld } = await import(installed('@workflow/world-postgres/dist/index.js'));

function databaseUrl(name) {
  const url = new URL(options.dsn);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin(statement) {
  const client = new pg.Client({ connectionString: options.dsn });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

const payload = new Uint8Array(64).map((_, index) => index);

async function lifecycle(world) {
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

async function rate(world, concurrency, seconds) {
  let events = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  async function worker() {
    while (performance.now() < deadline) {
      await lifecycle(world);
      events += EVENTS_PER_RUN;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  return { events, seconds: Number(elapsed.toFixed(3)), events_per_second: Number((events / elapsed).toFixed(1)) };
}

await admin(`DROP DATABASE IF EXISTS ${DATABASE}`);
await admin(`CREATE DATABASE ${DATABASE}`);
const figures = { package: PACKAGE, node: process.version, lifecycle: {} };
try {
  execFileSync(process.execPath, [join(CACHE, 'node_modules', '@workflow', 'world-postgres', 'dist', 'cli.js')], {
    env: { ...process.env, WORKFLOW_POSTGRES_URL: databaseUrl(DATABASE) },
    stdio: 'inherit',
  });
  for (const concurrency of CONCURRENCY) {
    const world = createWorld({ connectionString: databaseUrl(DATABASE), maxPoolSize: Math.min(concurrency, 20) });
    try {
      await rate(world, concurrency, 1);
      figures.lifecycle[String(concurrency)] = await rate(world, concurrency, Number(options.seconds));
    } finally {
      await world.close();
    }
  }
} catch (error) {
  console.error(error);
  throw error;
} finally {
  // Upstream's close() leaves an idle client of some internal pool connected; the forced drop
  // terminates it, and pg reports that as an unhandled 'error' event. That one is expected.
  process.on('uncaughtException', (error) => {
    if (error.code !== '57P01') {
      throw error;
    }
  });
  await admin(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
}
mkdirSync(dirname(options.out), { recursive: true });
writeFileSync(options.out, `${JSON.stringify(figures, null, 2)}\n`);
console.log(JSON.stringify(figures, null, 2));
