import type { Logger } from 'pino';
import type { ClientTls } from '../client/tls.js';
import type { EndpointView } from '../api/endpoints.js';
import type { Balancer, Target } from './balancer.js';
import type { ProxyMetrics } from './metrics.js';
import type { OpenCounts } from './open-counts.js';
import type { SetAside } from './set-aside.js';

/** What a listener on one service port needs; `settings` is replaced when the port's spec changes. */
export interface PortContext {
  service: string;
  port: number;
  settings: { balancer: Balancer; proxyProtocol: 'v1' | 'v2' | undefined };
  /** The service's ready endpoints now (the table's `ready()`). */
  ready(): EndpointView[];
  setAside: SetAside;
  counts: OpenCounts;
  metrics: ProxyMetrics;
  log: Logger;
  connectTimeoutMs: number;
  /** http mode: how long a replica may stay silent on a request before it is answered 504. */
  responseTimeoutMs: number;
  /** Replicas tried for one connection or request, at most. */
  maxAttempts: number;
  /**
   * The node certificate a tunnel to a replica on another machine is opened with (its worker's
   * TLS); undefined: no mesh, every replica is connected to directly.
   */
  tunnelTls: (() => ClientTls) | undefined;
}

/** A connect to a replica that took longer than `connectTimeoutMs`: counted as a failed connect. */
/** What a connection's failure is called in errors and logs. */
export function codeOf(err: Error | undefined): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? err?.message ?? 'connection closed';
}

export class ConnectTimeout extends Error {
  readonly code = 'ETIMEDOUT';
}

/** Records a failed connect to `target`: counted, and maybe set aside. */
export function connectFailed(ctx: PortContext, target: Target, err: Error): void {
  ctx.metrics.failedConnects.inc({ service: ctx.service });
  const code = (err as NodeJS.ErrnoException).code ?? err.message;
  if (ctx.setAside.failed(target.key)) {
    ctx.metrics.setAside.inc({ service: ctx.service });
    ctx.log.warn({ service: ctx.service, taskId: target.taskId, target: target.key, code }, 'replica set aside');
  } else {
    ctx.log.debug({ service: ctx.service, taskId: target.taskId, target: target.key, code }, 'connect failed');
  }
}
