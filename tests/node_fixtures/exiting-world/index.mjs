// A fake World for worldspec's bridge tests whose Node process ends in the middle of a test, as
// a World that calls process.exit on a fatal error, or a process the system kills, would:
//   runs.get(id)   prints a last word to stderr, then exits with code 7 when id contains "exit",
//                  or is killed by SIGKILL when id contains "kill"
// Everything else answers at once.

export function createWorld() {
  const notHere = async () => {
    throw new Error('exiting-world does not implement this');
  };
  return {
    specVersion: 3,
    events: { create: notHere, get: notHere, list: notHere, listByCorrelationId: notHere },
    runs: {
      get: async (runId) => {
        if (runId.includes('exit')) {
          console.error(`exiting-world: giving up on ${runId}, exiting with code 7`);
          process.exit(7);
        }
        if (runId.includes('kill')) {
          console.error(`exiting-world: ${runId} asks for SIGKILL`);
          process.kill(process.pid, 'SIGKILL');
        }
        throw new Error(`exiting-world has no run ${runId}`);
      },
      list: notHere,
    },
    steps: { get: notHere, list: notHere },
    hooks: { get: notHere, getByToken: notHere, list: notHere },
    getDeploymentId: async () => `dpl_exiting_${process.pid}`,
    queue: notHere,
    createQueueHandler: () => notHere,
  };
}
