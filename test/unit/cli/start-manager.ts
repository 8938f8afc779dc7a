import { pino } from 'pino';
import { startManagerRuntime } from '../../../src/cli/manager-runtime.js';

/** A lone manager on a data dir (embedded store, a port of its own), as `poseidon manager` starts one. */
export const startManager = (dataDir: string, host = '127.0.0.1') =>
  startManagerRuntime(
    {
      host,
      port: 0,
      dataDir,
      scheduler: 'roundrobin',
      staticWorkers: [],
      heartbeatGraceMs: 10_000,
      certTtlMs: 24 * 3600_000,
      engineGraceMs: 10_000,
    },
    pino({ level: 'silent' }),
  );
