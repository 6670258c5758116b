// queue() must refuse names outside ^__(?:[a-z][a-z0-9]*_)?wkf_(?:workflow|step)_.+$
// with WorkflowWorldError, and accept namespaced names (__acme_wkf_step_...). starter refuses
// bad names with a plain Error and refuses namespaced names too; redis accepts every name.
import { describe, outcome, verdict } from '../verdict.mjs';
import { finish, queueWorld } from './world.mjs';

const { world } = await queueWorld([]);
const message = { runId: 'wrun_repro' };
const wrong = [];
for (const name of ['', 'wkf_workflow_x', '__wkf_other_x', '__Acme_wkf_step_x']) {
  const result = await outcome(world.queue(name, message));
  console.log(`queue(${JSON.stringify(name)}): ${describe(result)} (expected WorkflowWorldError)`);
  if (result.ok || result.name !== 'WorkflowWorldError') wrong.push(JSON.stringify(name));
}
const namespaced = await outcome(world.queue('__acme_wkf_step_x', message));
console.log(`queue("__acme_wkf_step_x"): ${describe(namespaced)} (expected accepted)`);
if (!namespaced.ok) wrong.push('"__acme_wkf_step_x"');
verdict(wrong.length > 0, `queue names ${wrong.join(', ')} are judged wrong`);
finish();
