// LEG-101 (5.x line): @workflow/world-postgres 5.0.0-beta.29 declares spec version 5, which belongs
// to neither line, and @workflow/core 5.0.0-beta.55 refuses to run on it.
//
//   npm install && WORKFLOW_POSTGRES_URL=postgres://... node leg-101-spec-5-refused-by-the-runtime.mjs
//
// No database call is made: building the World and reading specVersion is enough.
import { getWorld } from '@workflow/core/runtime';
import { createWorld } from '@workflow/world-postgres';
import { describe, outcome, verdict } from '../verdict.mjs';

const url = process.env.WORKFLOW_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const world = createWorld({ connectionString: url });
console.log(`createWorld(...).specVersion: ${world.specVersion}`);
await world.close?.();

// The runtime builds the World named by WORKFLOW_TARGET_WORLD and checks its specVersion first.
process.env.WORKFLOW_TARGET_WORLD = '@workflow/world-postgres';
process.env.WORKFLOW_POSTGRES_URL = url;
const runtime = await outcome(getWorld());
console.log(`@workflow/core getWorld(): ${describe(runtime)}`);
// Expected of a 5.x World: specVersion 6 or 7, and a runtime that accepts it.
const outsideTheLine = !(world.specVersion >= 6 && world.specVersion <= 7);
verdict(outsideTheLine && !runtime.ok, 'a World at a spec version the 5.x runtime refuses');
process.exit();
