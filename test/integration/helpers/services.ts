import type { ServiceTaskView, ServiceView } from '../../../src/api/index.js';
import type { TestCluster } from './cluster.js';
import { waitFor } from './wait-for.js';

/** A busybox web server on 8080 that answers / (its http health check passes once it listens). */
export const HTTPD = ['sh', '-c', 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'];

/** A service spec whose task carries the run's label, so its containers are cleaned up by label. */
export function serviceSpec(
  c: TestCluster,
  name: string,
  extra: Record<string, unknown> = {},
  task: Record<string, unknown> = {},
): Record<string, unknown> {
  const { name: _name, ...template } = c.task('template', task);
  return { name, task: template, ...extra };
}

/**
 * A web template with an http health check, every second with a second to answer and three
 * misses before it is unhealthy: other tests share the machine, and a replica that is not being
 * updated must not fail its check for being slow.
 */
export function webTask(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    command: HTTPD,
    ports: [{ container: 8080 }],
    healthCheck: { type: 'http', port: 8080, path: '/', interval: '1s', timeout: '1s', failureThreshold: 3 },
    ...extra,
  };
}

/** The service's tasks that are wanted running. */
export async function liveTasks(c: TestCluster, name: string): Promise<ServiceTaskView[]> {
  return (await c.client.serviceTasks(name)).filter((t) => t.desiredState === 'running');
}

/** Waits until the service has exactly `n` live tasks, all Running (and healthy), one per slot 1..n. */
export async function untilSettled(
  c: TestCluster,
  name: string,
  n: number,
  timeoutMs = 60_000,
): Promise<ServiceTaskView[]> {
  return waitFor(
    async () => {
      const [s, live, all] = await Promise.all([
        c.client.getService(name),
        liveTasks(c, name),
        c.client.serviceTasks(name),
      ]);
      const slots = live.map((t) => t.slot).sort((a, b) => a - b);
      const ok =
        s.healthy === n &&
        live.length === n &&
        all.length === n && // nothing still stopping
        slots.every((slot, i) => slot === i + 1) &&
        live.every((t) => t.state === 'Running');
      return ok ? live : undefined;
    },
    { timeoutMs, what: `${name} to settle at ${n} replicas` },
  );
}

/** Until the rollout leaves updating/rolling_back. */
export async function untilRolloutEnds(c: TestCluster, name: string, timeoutMs = 120_000): Promise<ServiceView> {
  return waitFor(
    async () => {
      const s = await c.client.getService(name);
      return s.update !== null && s.update.state !== 'updating' && s.update.state !== 'rolling_back' ? s : undefined;
    },
    { timeoutMs, what: `${name}'s rollout to end` },
  );
}

/** Samples the service's healthy replicas over and over until stopped; the counts seen, in order. */
export function sampleHealthy(c: TestCluster, name: string): { stop(): Promise<number[]> } {
  const seen: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      seen.push((await c.client.getService(name)).healthy);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return seen;
    },
  };
}
