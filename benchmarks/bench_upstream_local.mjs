// The bench_local.py workload against @workflow/world-local, for comparison.
//
// Usage: node bench_upstream_local.mjs <package dir> <data dir> <out.json> <runs per concurrency>
// <package dir> holds node_modules/@workflow/world-local (bench_local.py installs it into a cache
// directory outside the repository). Figures are written to <out.json>.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [packageDir, dataRoot, outFile, runsArg] = process.argv.slice(2);
const runsPerLevel = Number(runsArg);
const require = createRequire(path.join(packageDir, 'package.json'));
const entry = require.resolve('@workflow/world-local');
const { createLocalWorld } = await import(pathToFileURL(entry).href);
const manifest = path.join(packageDir, 'node_modules', '@workflow', 'world-local', 'package.json');
const { version } = JSON.parse(await readFile(manifest, 'utf-8'));

const bytes = (text) => new Uint8Array(Buffer.from(text));
let stepCounter = 0;

async function openWorld() {
  const dataDir = await mkdtemp(path.join(dataRoot, 'upstream-'));
  const world = createLocalWorld({ dataDir, recoverActiveRuns: false });
  await world.start();
  return { world, dataDir };
}

async function lifecycle(world) {
  const created = await world.events.create(null, {
    eventType: 'run_created',
    eventData: { deploymentId: 'dpl_bench', workflowName: 'workflow//bench', input: bytes('devl\0in') },
  });
  const runId = created.run.runId;
  await world.events.create(runId, { eventType: 'run_started' });
  for (let i = 0; i < 3; i++) {
    const stepId = `step_bench${(stepCounter++).toString(36)}`;
    await world.events.create(runId, {
      eventType: 'step_created',
      correlationId: stepId,
      eventData: { stepName: 'step//bench', input: bytes('devl\0step') },
    });
    await world.events.create(runId, { eventType: 'step_started', correlationId: stepId });
    await world.events.create(runId, {
      eventType: 'step_completed',
      correlationId: stepId,
      eventData: { result: bytes('devl\0out') },
    });
  }
  await world.events.create(runId, { eventType: 'run_completed', eventData: { output: bytes('devl\0done') } });
}

async function throughput(concurrency) {
  const { world, dataDir } = await openWorld();
  let next = 0;
  const worker = async () => {
    while (next < runsPerLevel) {
      next += 1;
      await lifecycle(world);
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - began) / 1000;
  await world.close?.();
  await rm(dataDir, { recursive: true, force: true });
  return { concurrency, runs: runsPerLevel, events: runsPerLevel * 12, seconds, events_per_second: (runsPerLevel * 12) / seconds };
}

async function longRun() {
  const { world, dataDir } = await openWorld();
  const created = await world.events.create(null, {
    eventType: 'run_created',
    eventData: { deploymentId: 'dpl_bench', workflowName: 'workflow//bench', input: bytes('devl\0in') },
  });
  const runId = created.run.runId;
  for (let i = 0; i < 998; i++) {
    await world.events.create(runId, {
      eventType: 'step_created',
      correlationId: `step_long${i}`,
      eventData: { stepName: 'step//bench', input: bytes('devl\0step') },
    });
  }
  let began = performance.now();
  const started = await world.events.create(runId, { eventType: 'run_started' });
  const preloadSeconds = (performance.now() - began) / 1000;
  const listSeconds = [];
  let listed = 0;
  for (let repeat = 0; repeat < 5; repeat++) {
    began = performance.now();
    let cursor;
    listed = 0;
    for (;;) {
      const page = await world.events.list({ runId, pagination: { limit: 100, sortOrder: 'asc', cursor } });
      listed += page.data.length;
      if (!page.hasMore) break;
      cursor = page.cursor;
    }
    listSeconds.push((performance.now() - began) / 1000);
  }
  await world.close?.();
  await rm(dataDir, { recursive: true, force: true });
  return {
    events_in_run: listed,
    preloaded_events: started.events ? started.events.length : 0,
    preload_seconds: preloadSeconds,
    full_list_seconds: Math.min(...listSeconds),
  };
}

const levels = [];
for (const concurrency of [1, 10, 50]) levels.push(await throughput(concurrency));
const long = await longRun();
const figures = {
  world: `@workflow/world-local@${version}`,
  node: process.version,
  fsync: false,
  lifecycle: levels,
  long_run: long,
  peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
};
await writeFile(outFile, JSON.stringify(figures, null, 2));
console.log(JSON.stringify(figures, null, 2));
