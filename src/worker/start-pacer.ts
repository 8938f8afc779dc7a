import { availableParallelism } from 'node:os';
import { Pacer } from './pacer.js';

/**
 * Container starts a worker runs at once unless told otherwise: twice its cores, and at least 4.
 * Starting a container is mostly the engine's cpu (runc, the shim, the network), so more at once
 * than the cores can run only makes each one wait inside the engine. On the project's 2-core
 * Docker 20.10 machine (2026-12-02, `burst`, with task containers on Docker's default bridge),
 * fifty containers through the Engine API four at a time all ran after 19.4 s against 24.7 s
 * with all fifty at once, and half of them after 10.3 s against 21.3 s; the worker at 32 took
 * 22.4 s, and a failed node's ten tasks waited 2.4 s for the first to run (`failover`). (Before
 * the default bridge, the engine's embedded DNS set-up in each container on a user-defined network
 * left it waiting, and more at once paid: 32 then.) The team's slower reference machine, quiet,
 * started twenty at once slower than four (docker-swarm-2026-11). `poseidon worker
 * --start-concurrency` sets it per worker.
 */
export const DEFAULT_START_CONCURRENCY = Math.max(4, 2 * availableParallelism());

/**
 * Paces container starts: at most `concurrency` run at once, the rest wait their turn in the
 * order they came; a burst of thousands never opens as many engine calls at once.
 */
export class StartPacer extends Pacer {
  constructor(concurrency = DEFAULT_START_CONCURRENCY) {
    super(concurrency);
  }
}
