// HOOK-009: hooks.get of an unknown hookId throws a TypeError instead of HookNotFoundError.
import { describe, outcome, uniqueId, verdict } from '../verdict.mjs';
import { storageWorld } from './world.mjs';

const world = storageWorld();
try {
  const missing = await outcome(world.hooks.get(uniqueId('hook')));
  console.log(`hooks.get(unknown hookId): ${describe(missing)}`);
  verdict(!missing.ok && missing.name !== 'HookNotFoundError', 'hooks.get misses without HookNotFoundError');
} finally {
  await world.close();
}
