// Shared by the reproduction scripts under docs/findings/repro/<world>/: a way to run a call
// and keep its outcome, unique ids, and the verdict line every script ends with.
//
// A script exits 1 when it reproduces the finding and 0 when it does not (say, once the World
// is fixed), so it can serve as a regression check as well as a bug report.

/** A fresh id with `prefix`, unique enough for a reproduction (not a ULID). */
export function uniqueId(prefix) {
  const random = Math.random().toString(36).slice(2, 10);
  return `${prefix}_${Date.now().toString(36)}${random}`;
}

/** Awaits `promise` and describes what happened: `{ok: true, value}` or `{ok: false, name, message}`. */
export async function outcome(promise) {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, name: error?.name ?? typeof error, message: String(error?.message ?? error) };
  }
}

/** One line for an outcome: `returned` or `threw Name: message`. */
export function describe(result) {
  if (result.ok) return 'returned';
  const message = result.message.replace(/\s+/g, ' ').trim();
  return `threw ${result.name}: ${message.length > 160 ? `${message.slice(0, 157)}...` : message}`;
}

/** Prints the verdict and sets the exit code: 1 when `reproduced`, else 0. */
export function verdict(reproduced, whatIsWrong) {
  if (reproduced) {
    console.log(`REPRODUCED: ${whatIsWrong}`);
    process.exitCode = 1;
  } else {
    console.log(`not reproduced: ${whatIsWrong} did not happen this time`);
    process.exitCode = 0;
  }
}

/** Runs `round()` `count` times (it resolves true when the race showed) and prints how often. */
export async function rounds(count, round) {
  let shown = 0;
  for (let i = 0; i < count; i += 1) {
    if (await round(i)) shown += 1;
  }
  console.log(`shown in ${shown} of ${count} rounds`);
  return shown;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID for now: 10 characters of millisecond time, 16 random ones (Crockford base 32). */
export function newUlid() {
  let time = Date.now();
  let text = '';
  for (let i = 0; i < 10; i += 1) {
    text = CROCKFORD[time % 32] + text;
    time = Math.floor(time / 32);
  }
  for (let i = 0; i < 16; i += 1) text += CROCKFORD[Math.floor(Math.random() * 32)];
  return text;
}

/** A client runId no run has: `wrun_` and a fresh ULID. */
export function newRunId() {
  return `wrun_${newUlid()}`;
}
