import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { readLines } from '../../ndjson/index.js';
import { LABEL_TASK_ID, LABEL_WORKER } from '../labels.js';
import type { ContainerEvent } from '../types.js';

interface DockerEventMessage {
  Type?: string;
  Action?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

export interface EventLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/**
 * Follows Docker's event stream for this worker's containers (filtered by label, so no
 * polling), turning messages into ContainerEvents. When the stream breaks and the engine does
 * not take it back (dockerd stopped), it says `engine-lost` once, keeps trying with capped
 * backoff, and emits `resync` when it is connected again, so the consumer lists by label and
 * catches whatever happened while it was away.
 */
/** How long to wait before reconnecting a stream that ended (see followEvents). */
const STREAM_ENDED_WAIT_MS = 1_000;

export async function followEvents(
  docker: Docker,
  workerName: string,
  onEvent: (event: ContainerEvent) => void,
  signal: AbortSignal,
  log: EventLog,
): Promise<void> {
  let backoffMs = 100;
  let first = true;
  let lost = false;
  while (!signal.aborted) {
    try {
      const stream = (await docker.getEvents({
        filters: {
          type: ['container'],
          label: [`${LABEL_WORKER}=${workerName}`],
          event: ['start', 'kill', 'die', 'oom', 'destroy', 'health_status'],
        },
        abortSignal: signal,
      })) as Readable;
      if (!first) {
        log.info({}, 'docker event stream reconnected');
        onEvent({ kind: 'resync' });
      }
      first = false;
      lost = false;
      backoffMs = 100;
      await consume(stream, onEvent, signal);
      if (!signal.aborted) log.warn({}, 'docker event stream ended; reconnecting');
      // a stream ends when dockerd stops, just before its API goes: a reconnect at once could
      // still get in, and the worker would take the containers dockerd stopped for exits
      backoffMs = STREAM_ENDED_WAIT_MS;
    } catch (err) {
      if (signal.aborted) return;
      first = false;
      if (!lost) {
        lost = true;
        const code = (err as { code?: string }).code;
        log.warn({ code }, 'docker engine unavailable; retrying until it answers');
        onEvent({ kind: 'engine-lost', reason: engineLostReason(err) });
      }
    }
    try {
      await sleep(backoffMs, undefined, { signal });
    } catch {
      return; // aborted
    }
    backoffMs = Math.min(backoffMs * 2, 2_000);
  }
}

async function consume(stream: Readable, onEvent: (e: ContainerEvent) => void, signal: AbortSignal): Promise<void> {
  try {
    for await (const line of readLines(stream, signal)) {
      let message: DockerEventMessage;
      try {
        message = JSON.parse(line) as DockerEventMessage;
      } catch {
        continue; // not an event; the next resync covers anything it might have said
      }
      const event = toEvent(message);
      if (event !== null) onEvent(event);
    }
  } catch {
    // the stream broke (dockerd went away): followEvents reconnects and resyncs
  }
}

/** What a failed connection says to a person: "is dockerd running?" for the usual causes. */
function engineLostReason(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ECONNREFUSED' || code === 'ENOENT') return 'cannot reach the Docker engine: is dockerd running?';
  return `cannot reach the Docker engine: ${err instanceof Error ? err.message : String(err)}`;
}

export function toEvent(m: DockerEventMessage): ContainerEvent | null {
  const containerId = m.Actor?.ID ?? m.id ?? '';
  const attrs = m.Actor?.Attributes ?? {};
  const taskId = attrs[LABEL_TASK_ID];
  if (taskId === undefined || containerId === '') return null;
  switch (m.Action) {
    case 'start':
      return { kind: 'started', containerId, taskId };
    case 'kill':
      return { kind: 'killed', containerId, taskId, signal: attrs.signal ?? '' };
    case 'die':
      return { kind: 'exited', containerId, taskId, exitCode: Number(attrs.exitCode ?? -1), at: eventTime(m) };
    case 'oom':
      return { kind: 'oom', containerId, taskId };
    case 'destroy':
      return { kind: 'removed', containerId, taskId };
    case 'health_status: healthy':
    case 'health_status: unhealthy':
      return { kind: 'health', containerId, taskId, healthy: m.Action === 'health_status: healthy' };
    default:
      return null;
  }
}

/** When the engine logged the event, ISO 8601 (ms): a few ms after the container's own FinishedAt for a die. */
function eventTime(m: DockerEventMessage): string {
  const ms =
    m.timeNano !== undefined ? Math.floor(m.timeNano / 1e6) : m.time !== undefined ? m.time * 1000 : Date.now();
  return new Date(ms).toISOString();
}
