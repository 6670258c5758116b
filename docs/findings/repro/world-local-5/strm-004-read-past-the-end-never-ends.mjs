// STRM-004: reading a closed stream of 5 chunks from index 7 never ends (from 5 it does).
import { newRunId, verdict } from '../verdict.mjs';
import { freshWorld } from './world.mjs';

const world = await freshWorld();
try {
  const runId = newRunId();
  const name = 'strm_repro';
  for (let index = 0; index < 5; index += 1) await world.streams.write(runId, name, `chunk ${index}`);
  await world.streams.close(runId, name);
  const endsWithin = async (start, ms) => {
    const reader = (await world.streams.get(runId, name, start)).getReader();
    const drained = (async () => {
      while (!(await reader.read()).done);
      return true;
    })();
    const ended = await Promise.race([drained, new Promise((resolve) => setTimeout(() => resolve(false), ms))]);
    reader.cancel().catch(() => {});
    return ended;
  };
  const fromEnd = await endsWithin(5, 2000);
  const pastEnd = await endsWithin(7, 2000);
  console.log(`read from 5 ends: ${fromEnd}; read from 7 ends: ${pastEnd}`);
  // Expected: both reads of the closed stream end at once, empty.
  verdict(!pastEnd, 'a read of a closed stream from past its end never ends');
} finally {
  await world.close();
  process.exit();
}
