// Q-003: after a handler answers {timeoutSeconds}, the message comes back with attempt 1
// again instead of attempt 2.
import { verdict } from '../verdict.mjs';
import { eventually, queueWorld } from './world.mjs';

const { world, deliveries, close } = await queueWorld(['__wkf_step_'], (message, meta) =>
  message.stepId === 'step_q003' && deliveries.filter((d) => d.message.stepId === 'step_q003').length === 1
    ? { timeoutSeconds: 1 }
    : undefined,
);
try {
  const payload = { workflowName: 'repro', workflowRunId: 'wrun_repro', workflowStartedAt: Date.now(), stepId: 'step_q003' };
  const { messageId } = await world.queue('__wkf_step_repro-step', payload);
  const mine = () => deliveries.filter((d) => d.meta.messageId === messageId);
  await eventually(() => mine().length >= 2, 15);
  console.log(`deliveries: ${mine().map((d) => `attempt ${d.meta.attempt}`).join(', ') || 'none'}`);
  // Expected: attempt 1, then attempt 2 (not before 1 s).
  verdict(mine().length >= 2 && mine()[1].meta.attempt !== 2, 'the redelivery after {timeoutSeconds} does not count the attempt');
} finally {
  await close();
}
