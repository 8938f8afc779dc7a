import type { Clock } from '../../clock/index.js';
import type { Driver } from '../../driver/index.js';
import { EXEC_CHECKS_AT_ONCE, ExecSlots } from './exec-slots.js';
import { runProbe, type Prober } from './prober.js';

/**
 * Runs `check.command` in the container (docker exec); exit 0 is healthy. At most `atOnce` run
 * at a time on this worker (exec-slots.ts); a check's timeout starts when its exec does.
 */
export function execProber(clock: Clock, driver: Pick<Driver, 'exec'>, atOnce = EXEC_CHECKS_AT_ONCE): Prober {
  const slots = new ExecSlots(atOnce);
  return {
    probe: async (target, check, signal) => {
      if (!(await slots.take(signal))) return { healthy: false, output: 'check cancelled' };
      try {
        return await runProbe(clock, signal, check.timeoutMs, async () => {
          // the engine offers no way to cancel an exec; runProbe stops waiting at the deadline
          const { exitCode, output } = await driver.exec(target.containerId, check.command, check.timeoutMs);
          const text = output.trim();
          return { healthy: exitCode === 0, output: text !== '' ? text : `exited with code ${exitCode}` };
        });
      } finally {
        slots.give();
      }
    },
  };
}
