// Q-002 on @workflow/world-local@4.4.1: a queue name with a character above U+00FF (here the
// workflow name "Café" written in NFD, as macOS file names are) is accepted by queue(), which
// returns a messageId, and the message is never delivered: the name travels in an HTTP header,
// and building that header throws in the background.
//
//   npm install @workflow/world-local@4.4.1 && node q002-non-latin1-queue-name.mjs
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalWorld } from '@workflow/world-local';

const world = createLocalWorld({ dataDir: mkdtempSync(join(tmpdir(), 'q002-')) });
const delivered = [];
const prefix = '__wkf_workflow_';
world.registerHandler(prefix, world.createQueueHandler(prefix, async (body, meta) => {
  delivered.push(meta.queueName);
}));

for (const name of ['Cafe', 'Cafe\u0301', 'Caf\u00e9']) {
  const { messageId } = await world.queue(`${prefix}${name}`, { runId: 'wrun_01ARZ3NDEKTSV4RRFFQ69G5FAV' });
  console.log(`queued ${JSON.stringify(name)} as ${messageId}`);
}
await new Promise((resolve) => setTimeout(resolve, 2000));
console.log('delivered:', delivered.map((name) => JSON.stringify(name)).join(', '));
const lost = 3 - delivered.length;
console.log(lost ? `BROKEN: ${lost} acknowledged message(s) never delivered` : 'kept: every message delivered');
process.exit(lost ? 1 : 0);
