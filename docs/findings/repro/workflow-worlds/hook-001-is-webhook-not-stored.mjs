// HOOK-001: isWebhook must be stored as sent (§4.4); the hook never carries it, so a hook
// created with isWebhook: false reads back as a webhook (absent reads as true).
import { uniqueId, verdict } from '../verdict.mjs';
import { finish, newRun, openWorld } from './world.mjs';

const world = await openWorld();
const runId = await newRun(world);
const hookId = uniqueId('hook');
const token = uniqueId('token');
const result = await world.events.create(runId, {
  eventType: 'hook_created',
  correlationId: hookId,
  eventData: { token, isWebhook: false },
});
const found = await world.hooks.get(hookId);
console.log(`sent isWebhook: false; result.hook.isWebhook = ${result.hook?.isWebhook}; hooks.get isWebhook = ${found.isWebhook}`);
verdict(found.isWebhook !== false, 'isWebhook: false is lost');
finish();
