import type { Clock } from '../../clock/index.js';
import type { Driver } from '../../driver/index.js';
import type { HealthCheckType } from '../../task/index.js';
import { execProber } from './probe-exec.js';
import { httpProber } from './probe-http.js';
import { tcpProber } from './probe-tcp.js';
import type { Prober } from './prober.js';

/** One prober per check type, on the real network and the real engine. */
export function createProbers(deps: {
  clock: Clock;
  driver: Pick<Driver, 'exec'>;
}): Readonly<Record<HealthCheckType, Prober>> {
  return { http: httpProber(deps.clock), tcp: tcpProber(deps.clock), exec: execProber(deps.clock, deps.driver) };
}
