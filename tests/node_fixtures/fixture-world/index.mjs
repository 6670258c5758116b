// A fake World for worldspec's bridge tests: it misbehaves in known ways and prints to stdout,
// which must not disturb the bridge's channel. Only the members the tests call do anything.

console.log('fixture-world: imported (console.log must not reach the channel)');

/** The 5.x members (config.specVersion 6 or 7): a `world.streams` whose reads echo their
 * arguments and whose getInfo throws a 5.x error, and a capabilities object. */
function lineFive() {
  const echo = (...args) => new TextEncoder().encode(args.join(' '));
  return {
    capabilities: { hookRetention: { active: true }, hookResumeDedup: true },
    createRunId: () => '01ARZ3NDEKTSV4RRFFQ69G5FAV',
    streams: {
      write: async () => {},
      close: async () => {},
      list: async (runId) => [`strm_of_${runId}`],
      getChunks: async () => ({ data: [], cursor: null, hasMore: false, done: true }),
      getInfo: async (runId, name) => {
        throw Object.assign(new Error(`stream ${name} expired`), {
          name: 'StreamExpiredError',
          status: 410,
          code: 'stream-expired',
          runId,
          streamId: name,
          expiredAt: new Date(0),
        });
      },
      get: async (runId, name, startIndex) =>
        new ReadableStream({
          start(controller) {
            controller.enqueue(echo(runId, name, startIndex));
            controller.close();
          },
        }),
    },
  };
}

function conflict(message) {
  return Object.assign(new Error(message), { name: 'EntityConflictError', status: 409 });
}

export function createWorld(config = {}) {
  process.stdout.write('fixture-world: created (a raw stdout write)\n');
  let deploymentIdCalls = 0;
  const notImplemented = async () => {
    throw new Error('fixture-world does not implement this');
  };
  return {
    specVersion: config.specVersion ?? 3,
    ...(config.specVersion >= 6 ? lineFive() : {}),
    events: {
      create: async () => {
        throw conflict('the run already exists');
      },
      get: async () => {
        throw new TypeError('boom');
      },
      list: notImplemented,
      listByCorrelationId: notImplemented,
    },
    runs: {
      get: async (runId) =>
        runId === 'wrun_tagged'
          ? {
              runId,
              status: 'pending',
              deploymentId: 'dpl_fixture',
              workflowName: 'fixture',
              specVersion: 3,
              input: new Uint8Array(),
              executionContext: { nested: { $bytes: 'AAAA' }, bytes: new Uint8Array(3) },
              createdAt: new Date(0),
              updatedAt: new Date(0),
            }
          : { runId, status: 'bogus' },
      list: notImplemented,
    },
    steps: { get: notImplemented, list: notImplemented },
    hooks: { get: notImplemented, getByToken: notImplemented, list: notImplemented },
    getDeploymentId: async () => {
      // config.deploymentIdFailures: how many first calls throw, as world-vercel's does without its variable
      if ((config.deploymentIdFailures ?? 0) > deploymentIdCalls++) throw new Error('DEPLOYMENT_ID is not set');
      return config.deploymentId ?? process.env.FIXTURE_DEPLOYMENT_ID ?? 'dpl_fixture';
    },
    queue: notImplemented,
    createQueueHandler: () => notImplemented,
    writeToStream: notImplemented,
    closeStream: notImplemented,
    listStreamsByRunId: async () => [config.dataDir],
    getStreamChunks: notImplemented,
    getStreamInfo: notImplemented,
    readFromStream: async () =>
      new ReadableStream({
        start(controller) {
          controller.enqueue(new Uint8Array([0, 255]));
          controller.enqueue('not bytes');
          controller.close();
        },
      }),
  };
}
