import { availableParallelism } from 'node:os';
import type { Clock } from '../../clock/index.js';
import type { Driver } from '../../driver/index.js';
import { Pacer } from '../pacer.js';
import { runProbe, type Prober } from './prober.js';

/**
 * How many exec checks a worker runs at once. Each is a `docker exec` (runc joins the
 * container's namespaces), and the engine runs only so many a second however many are asked at
 * once: on a 2-core machine about ten, so ten aligned checks took 0.8-1 s each against 0.2 s two
 * at a time, for the same total. Checks above the limit wait their turn, and their timeout counts
 * from their own start: a check judges its container, not how busy the engine is.
 */
export const EXEC_CHECKS_AT_ONCE = Math.max(2, availableParallelism());

const CANCELLED = { healthy: false, output: 'check cancelled' };

/**
 * Runs `check.command` in the container (docker exec); exit 0 is healthy. At most `atOnce` run
 * at a time on this worker; a check's timeout starts when its exec does.
 */
export function execProber(clock: Clock, driver: Pick<Driver, 'exec'>, atOnce = EXEC_CHECKS_AT_ONCE): Prober {
  const turns = new Pacer(atOnce);
  return {
    probe: async (target, check, signal) => {
      const exec = (): Promise<{ healthy: boolean; output: string }> =>
        runProbe(clock, signal, check.timeoutMs, async () => {
          // the engine offers no way to cancel an exec; runProbe stops waiting at the deadline
          const { exitCode, output } = await driver.exec(target.containerId, check.command, check.timeoutMs);
          const text = output.trim();
          return { healthy: exitCode === 0, output: text !== '' ? text : `the check exited with code ${exitCode}` };
        });
      // a check cancelled while it waits for a turn leaves the line and never runs
      return turns.run(exec, signal).catch((err: unknown) => {
        if (signal.aborted) return CANCELLED;
        throw err;
      });
    },
  };
}
