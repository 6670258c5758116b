// Q-002: a message queued under a namespaced name (__acme_wkf_step_...) is delivered with the
// namespace stripped (__wkf_step_...), so the namespace's handler never sees it and the plain
// step handler gets it instead.
import { verdict } from '../verdict.mjs';
import { eventually, queueWorld } from './world.mjs';

const { world, deliveries, close } = await queueWorld(['__wkf_step_', '__acme_wkf_step_']);
try {
  const name = '__acme_wkf_step_repro-step';
  const payload = { workflowName: 'repro', workflowRunId: 'wrun_repro', workflowStartedAt: Date.now(), stepId: 'step_repro' };
  const { messageId } = await world.queue(name, payload);
  await eventually(() => deliveries.some((d) => d.meta.messageId === messageId), 10);
  const delivery = deliveries.find((d) => d.meta.messageId === messageId);
  console.log(`queued to ${name}; delivered ${delivery ? `to the ${delivery.prefix} handler as ${delivery.meta.queueName}` : 'nowhere within 10 s'}`);
  // Expected: delivered to the __acme_wkf_step_ handler with meta.queueName === name.
  verdict(delivery === undefined || delivery.meta.queueName !== name, 'the namespaced message lost its queue name');
} finally {
  await close();
}
