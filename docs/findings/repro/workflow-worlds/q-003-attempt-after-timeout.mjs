// Q-003 (redis): after a handler answers {timeoutSeconds}, the message comes back with attempt 1
// again instead of attempt 2 (BullMQ's moveToDelayed does not count an attempt).
import { verdict } from '../verdict.mjs';
import { eventually, finish, queueWorld } from './world.mjs';

let first = true;
const { world, deliveries } = await queueWorld(['__wkf_step_'], () => {
  if (!first) return undefined;
  first = false;
  return { timeoutSeconds: 1 };
});
const { messageId } = await world.queue('__wkf_step_repro', {
  workflowName: 'repro', workflowRunId: 'wrun_repro', workflowStartedAt: Date.now(), stepId: 'step_repro',
});
const mine = () => deliveries.filter((d) => d.meta.messageId === messageId);
await eventually(() => mine().length >= 2, 15);
console.log(`deliveries of ${messageId}: ${mine().map((d) => `attempt ${d.meta.attempt}`).join(', ') || 'none'}`);
verdict(mine().length < 2 || mine()[1].meta.attempt !== 2, 'the redelivery after {timeoutSeconds} is not attempt 2');
finish();
