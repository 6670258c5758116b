// LIST-004: hooks.list must default to oldest first (§9); starter lists newest first, redis in
// the order of a Redis set (no order at all).
import { uniqueId, verdict } from '../verdict.mjs';
import { finish, newRun, openWorld } from './world.mjs';

const world = await openWorld();
const runId = await newRun(world);
const created = [];
for (let i = 0; i < 5; i += 1) {
  const hookId = `hook_${String(i).padStart(2, '0')}_${uniqueId('h')}`;
  await world.events.create(runId, { eventType: 'hook_created', correlationId: hookId, eventData: { token: uniqueId('token') } });
  created.push(hookId);
}
const listed = (await world.hooks.list({ runId })).data.map((hook) => hook.hookId);
console.log(`created: ${created.join(' ')}\nlisted:  ${listed.join(' ')}`);
verdict(JSON.stringify(listed) !== JSON.stringify(created), 'hooks are not listed oldest first');
finish();
