import type { ServiceTaskView, ServiceView } from '../api/index.js';
import { table } from './format.js';

// Services for people: `service ls` and `service ps` tables, and a rollout in a few words.

/** "updating 2/6", "completed", "paused: replica 3 of version 2 failed: exited with code 1", or "-". */
export function rolloutState(s: ServiceView): string {
  const u = s.update;
  if (u === null) return '-';
  if (u.state === 'updating' || u.state === 'rolling_back') return `${u.state} ${u.updated}/${u.total}`;
  return u.state === 'paused' ? `paused: ${u.reason}` : u.state;
}

export function serviceTable(services: readonly ServiceView[]): string {
  return table(
    ['NAME', 'VERSION', 'REPLICAS', 'IMAGE', 'UPDATE'],
    services.map((s) => [s.name, String(s.version), `${s.healthy}/${s.replicas}`, s.image, rolloutState(s)]),
  );
}

export function serviceTaskTable(tasks: readonly ServiceTaskView[]): string {
  return table(
    ['SLOT', 'TASK', 'VERSION', 'STATE', 'NODE', 'REASON'],
    tasks.map((t) => [
      String(t.slot),
      t.id.slice(0, 8),
      String(t.version),
      replicaState(t),
      t.node ?? '-',
      failingCheck(t) ?? t.reason,
    ]),
  );
}

/** A replica's state as one word or two: "Running", "Running (healthy)", "Running (stopping)". */
export function replicaState(t: ServiceTaskView): string {
  if (t.desiredState === 'stopped' && (t.state === 'Running' || t.state === 'Scheduled'))
    return `${t.state} (stopping)`;
  if (t.state === 'Running' && t.health.status !== 'none') return `Running (${t.health.status})`;
  return t.state;
}

/** A running replica whose checks fail: "check failed 2 times (HTTP 404)"; undefined otherwise. */
export function failingCheck(t: ServiceTaskView): string | undefined {
  if (t.state !== 'Running' || t.health.status === 'healthy' || t.health.failures === 0) return undefined;
  return `check failed ${times(t.health.failures)} (${t.health.lastOutput})`;
}

/** "once", "3 times". */
export function times(n: number): string {
  return n === 1 ? 'once' : `${n} times`;
}
