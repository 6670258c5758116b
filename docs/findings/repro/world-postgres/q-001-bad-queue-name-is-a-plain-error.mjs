// queue() refuses a name outside the queue-name pattern with a plain Error, a name
// outside @workflow/errors, instead of WorkflowWorldError.
import { describe, outcome, verdict } from '../verdict.mjs';
import { queueWorld } from './world.mjs';

const { world, close } = await queueWorld([]);
try {
  const refused = await outcome(world.queue('', { runId: 'wrun_repro' }));
  console.log(`queue(''): ${describe(refused)}`);
  verdict(!refused.ok && refused.name === 'Error', 'the refusal is a plain Error');
} finally {
  await close();
}
