// LEG-005: a legacy (specVersion 1) run's falsy JSON input reads back as absent.
import { verdict } from '../verdict.mjs';
import { storageWorld } from './world.mjs';

const world = storageWorld();
try {
  const lost = [];
  for (const input of [0, false, '', null, [], {}]) {
    const created = await world.events.create(null, {
      eventType: 'run_created',
      specVersion: 1,
      eventData: { deploymentId: 'dpl_repro', workflowName: 'repro', input },
    });
    const read = await world.runs.get(created.run.runId);
    console.log(`input ${JSON.stringify(input)}: runs.get returns ${'input' in read && read.input !== undefined ? JSON.stringify(read.input) : 'no input'}`);
    if (JSON.stringify(read.input) !== JSON.stringify(input)) lost.push(JSON.stringify(input));
  }
  verdict(lost.length > 0, `legacy inputs ${lost.join(', ')} do not read back`);
} finally {
  await world.close();
}
