// BIN-003: bytes in a queued message (runInput.input, as spec 3 sends it) reach the handler as
// a plain object {"0": .., "1": ..}: the queue serialises messages with plain JSON.
import { verdict } from '../verdict.mjs';
import { eventually, finish, queueWorld } from './world.mjs';

const { world, deliveries } = await queueWorld(['__wkf_workflow_']);
const input = new Uint8Array([0, 1, 128, 255]);
const { messageId } = await world.queue('__wkf_workflow_repro', {
  runId: 'wrun_repro',
  runInput: { input, deploymentId: 'dpl_repro', workflowName: 'repro', specVersion: 3 },
});
await eventually(() => deliveries.some((d) => d.message.runId === 'wrun_repro'), 10);
const got = deliveries.find((d) => d.message.runId === 'wrun_repro')?.message.runInput?.input;
console.log(`queued ${messageId} with runInput.input = Uint8Array [0, 1, 128, 255]; handler got ${got instanceof Uint8Array ? `Uint8Array [${[...got]}]` : JSON.stringify(got)}`);
verdict(!(got instanceof Uint8Array), 'the bytes do not arrive as bytes');
finish();
