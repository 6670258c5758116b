// Q-003 (starter and redis): a handler answering {timeoutSeconds: 0} asks for the message again at
// once, but the queue tests `result?.timeoutSeconds` for truth, so 0 reads as "done" and the
// message is never delivered again.
import { verdict } from '../verdict.mjs';
import { eventually, finish, queueWorld } from './world.mjs';

let first = true;
const { world, deliveries } = await queueWorld(['__wkf_step_'], () => {
  if (!first) return undefined;
  first = false;
  return { timeoutSeconds: 0 };
});
const { messageId } = await world.queue('__wkf_step_repro', {
  workflowName: 'repro', workflowRunId: 'wrun_repro', workflowStartedAt: Date.now(), stepId: 'step_repro',
});
const mine = () => deliveries.filter((d) => d.meta.messageId === messageId);
await eventually(() => mine().length >= 2, 10);
console.log(`deliveries of ${messageId} within 10 s: ${mine().length}`);
verdict(mine().length < 2, 'the message is not delivered again after {timeoutSeconds: 0}');
finish();
