import type { HealthCheckType, Protocol, RestartMode } from './spec.js';

// A task as the rest of Poseidon sees it: validated, with defaults filled in and units in
// the names. Built from a TaskSpec by parseSpec(); stored in task records.

export interface PortRequest {
  containerPort: number;
  /** 0: Docker picks a free host port. */
  hostPort: number;
  protocol: Protocol;
}

export interface RestartPolicy {
  mode: RestartMode;
  maxRestarts: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** The backoff resets after the task has run this long. */
  resetAfterMs: number;
}

export interface HealthCheck {
  type: HealthCheckType;
  /** Container port (http, tcp); 0 for exec. */
  port: number;
  path: string;
  expectedStatusMin: number;
  expectedStatusMax: number;
  command: string[];
  intervalMs: number;
  timeoutMs: number;
  failureThreshold: number;
  startPeriodMs: number;
}

export interface TaskRequest {
  id: string;
  name: string;
  image: string;
  /** Empty: the image's own command. */
  command: string[];
  env: Record<string, string>;
  /** 0: no limit. */
  cpuCores: number;
  /** 0: no limit. */
  memoryBytes: number;
  diskBytes: number;
  ports: PortRequest[];
  labels: Record<string, string>;
  restartPolicy: RestartPolicy;
  healthCheck: HealthCheck | null;
}

/** The seed's default: restart up to 3 times. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  mode: 'on-failure',
  maxRestarts: 3,
  backoffInitialMs: 500,
  backoffMaxMs: 30_000,
  resetAfterMs: 60_000,
};

export const MIN_MEMORY_BYTES = 4 * 2 ** 20; // Docker refuses less than 6 MiB on some kernels; 4 MiB is our floor
