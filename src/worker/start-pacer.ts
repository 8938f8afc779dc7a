import { Pacer } from './pacer.js';

/** Container starts a worker runs at once unless told otherwise. */
export const DEFAULT_START_CONCURRENCY = 32;

/**
 * Paces container starts: at most `concurrency` run at once, the rest wait their turn in the
 * order they came. The cap keeps a burst of thousands from opening as many engine calls at once.
 * Below it, on the project's 2-core Docker 20.10 machine when busy (2026-12-02, bench/README.md),
 * a batch's last container ran sooner with more at once: at eight, two of a failed node's ten
 * tasks waited a turn (`failover`: node Down → all Running, median 3.1 s against 2.8 s with all
 * ten at once), and fifty took 17.0 s against 15.6 s at 32 (`burst`; Swarm's agent starts all
 * fifty at once); four or one at a time was slowest. The price is the middle of a batch
 * (half of fifty ran later) and, with all fifty at once, the first one too, hence 32 rather than
 * more. The team's slower reference machine, quiet, started twenty at once slower than four
 * (docker-swarm-2026-11): `poseidon worker --start-concurrency` sets it per worker.
 */
export class StartPacer extends Pacer {
  constructor(concurrency = DEFAULT_START_CONCURRENCY) {
    super(concurrency);
  }
}
