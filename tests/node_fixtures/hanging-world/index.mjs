// A fake World for worldspec's bridge tests whose calls never come back, the ways real backends
// hang: a read waiting on a lock or a lost connection, a listing that loops, a close that waits.
//   runs.get(id)       never settles when id contains "hang"
//   events.list(p)     spins synchronously forever when p.runId contains "spin" (Node stops
//                      answering anything: only killing the process ends it)
//   runs.list()        always says hasMore with a new cursor (a listing that never ends)
//   close()            never settles when config.hangOnClose is true
// Everything else answers at once.

const forever = () => new Promise(() => {});

export function createWorld(config = {}) {
  let pages = 0;
  const run = (runId) => ({
    runId,
    status: 'pending',
    deploymentId: 'dpl_hanging',
    workflowName: 'hanging',
    specVersion: 3,
    input: new Uint8Array(),
    createdAt: new Date(0),
    updatedAt: new Date(0),
  });
  return {
    specVersion: 3,
    events: {
      create: async () => {
        throw new Error('hanging-world does not create events');
      },
      get: forever,
      list: async ({ runId }) => {
        if (runId.includes('spin')) for (;;);
        return { data: [], cursor: null, hasMore: false };
      },
      listByCorrelationId: async () => ({ data: [], cursor: null, hasMore: false }),
    },
    runs: {
      get: async (runId) => (runId.includes('hang') ? forever() : run(runId)),
      list: async () => ({ data: [], cursor: `page-${++pages}`, hasMore: true }),
    },
    steps: { get: forever, list: forever },
    hooks: { get: forever, getByToken: forever, list: forever },
    getDeploymentId: async () => 'dpl_hanging',
    queue: forever,
    createQueueHandler: () => forever,
    close: async () => (config.hangOnClose ? forever() : undefined),
  };
}
