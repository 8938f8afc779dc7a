import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `check` until it returns a value that is not undefined/false, or fails after
 * `timeoutMs` with what it last saw. Waiting is for conditions, never for time to pass.
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  opts: { timeoutMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const shown = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out waiting for ${opts.what ?? 'condition'}; last saw: ${shown}`);
    }
    await sleep(25);
  }
}
