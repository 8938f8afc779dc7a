import type { Clock } from '../../clock/index.js';
import type { Driver } from '../../driver/index.js';
import { runProbe, type Prober } from './prober.js';

/** Runs `check.command` in the container (docker exec); exit 0 is healthy. */
export function execProber(clock: Clock, driver: Pick<Driver, 'exec'>): Prober {
  return {
    probe: (target, check, signal) =>
      runProbe(clock, signal, check.timeoutMs, async () => {
        // the engine offers no way to cancel an exec; runProbe stops waiting at the deadline
        const { exitCode, output } = await driver.exec(target.containerId, check.command, check.timeoutMs);
        const text = output.trim();
        return { healthy: exitCode === 0, output: text !== '' ? text : `exited with code ${exitCode}` };
      }),
  };
}
